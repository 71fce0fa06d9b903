// Kubernetes API stand-in: writes openapi/v1.32.json, the part of Kubernetes 1.32's OpenAPI (v2)
// document the stand-in serves, without descriptions. Not run by the tests (the source is not on
// this machine); kept so the file can be made again:
//   node --import tsx test/standin/openapi/trim.ts <swagger.json.unprocessed> > test/standin/openapi/v1.32.json
// Source: kubernetes-client/python v32.0.1, kubernetes/swagger.json.unprocessed (git blob
// ffbe70c72ef8abdf9587e5dda821b635c3a3fd16), fetched by that client's scripts/update-client.sh from
// kubernetes/kubernetes api/openapi-spec/swagger.json on branch release-1.32 (its scripts/constants.py:
// KUBERNETES_BRANCH = "release-1.32").
import { readFileSync } from 'node:fs';
import { ROOTS } from './roots.js';

type Schema = Record<string, any>;
const KEEP = new Set(['type', 'format', '$ref', 'items', 'additionalProperties', 'properties', 'required', 'x-kubernetes-list-type', 'x-kubernetes-list-map-keys', 'x-kubernetes-map-type', 'x-kubernetes-patch-strategy', 'x-kubernetes-patch-merge-key', 'x-kubernetes-int-or-string', 'x-kubernetes-preserve-unknown-fields', 'x-kubernetes-embedded-resource']);

const definitions = (JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as { definitions: Record<string, Schema> }).definitions;
const out: Record<string, Schema> = {};
const trim = (s: Schema): Schema => {
  const t: Schema = {};
  for (const [k, v] of Object.entries(s)) {
    if (!KEEP.has(k)) continue;
    if (k === 'properties') t[k] = Object.fromEntries(Object.entries(v as Record<string, Schema>).map(([p, ps]) => [p, trim(ps)]));
    else if (k === 'items' || k === 'additionalProperties') t[k] = typeof v === 'object' ? trim(v) : v;
    else t[k] = v;
  }
  if (typeof t.$ref === 'string') visit(t.$ref.replace('#/definitions/', ''));
  return t;
};
const visit = (name: string) => {
  if (out[name] || !definitions[name]) return;
  out[name] = {};
  out[name] = trim(definitions[name]!);
};
for (const name of Object.values(ROOTS)) visit(name);
const sorted = Object.fromEntries(Object.keys(out).sort().map((k) => [k, out[k]]));
process.stdout.write(`${JSON.stringify({ source: 'kubernetes release-1.32 api/openapi-spec/swagger.json (via kubernetes-client/python v32.0.1)', definitions: sorted })}\n`);

// Kubernetes API stand-in: writes openapi/go-types-1.32.json, the Go type of every field of the
// structs in v1.32.json, as reflect's Type.String() prints it (what encoding/json's
// UnmarshalTypeError names: `v1.Protocol`, `[]v1.Container`, `v1.ResourceList`). Not run by the
// tests; kept so the file can be made again from the Go sources of Kubernetes 1.32:
//   node --import tsx test/standin/openapi/go-types.ts <dir> > test/standin/openapi/go-types-1.32.json
// where <dir> holds k8s.io/api v0.32.4 {core,apps,networking,policy,storage}/v1/types.go as
// core_v1.go, apps_v1.go, ... and k8s.io/apimachinery v0.32.4 pkg/apis/meta/v1/types.go as meta_v1.go.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2]!;
const definitions = (JSON.parse(readFileSync(new URL('./v1.32.json', import.meta.url), 'utf8')) as { definitions: Record<string, unknown> }).definitions;
const FILE: Record<string, string> = {
  'io.k8s.api.core.v1': 'core_v1.go',
  'io.k8s.api.apps.v1': 'apps_v1.go',
  'io.k8s.api.networking.v1': 'networking_v1.go',
  'io.k8s.api.policy.v1': 'policy_v1.go',
  'io.k8s.api.storage.v1': 'storage_v1.go',
  'io.k8s.apimachinery.pkg.apis.meta.v1': 'meta_v1.go',
};
/** Import alias → Go package name (what reflect prints). */
const PACKAGE: Record<string, string> = { metav1: 'v1', v1: 'v1', api: 'v1', corev1: 'v1', resource: 'resource', intstr: 'intstr', types: 'types', runtime: 'runtime', apiv1: 'v1' };
const BUILTIN = new Set(['string', 'bool', 'int', 'int8', 'int16', 'int32', 'int64', 'uint', 'uint8', 'uint16', 'uint32', 'uint64', 'float32', 'float64', 'byte']);

function qualify(t: string): string {
  if (t.startsWith('*')) return qualify(t.slice(1));
  if (t.startsWith('[]')) return `[]${qualify(t.slice(2))}`;
  const map = /^map\[([^\]]+)\](.*)$/.exec(t);
  if (map) return `map[${qualify(map[1]!)}]${qualify(map[2]!)}`;
  if (t === 'byte') return 'uint8';
  if (BUILTIN.has(t)) return t;
  const dot = /^(\w+)\.(\w+)$/.exec(t);
  if (dot) return `${PACKAGE[dot[1]!] ?? dot[1]}.${dot[2]}`;
  return `v1.${t}`;
}

const sources = new Map<string, string>();
function structBody(file: string, name: string): string | undefined {
  if (!sources.has(file)) sources.set(file, readFileSync(join(dir, file), 'utf8'));
  const m = new RegExp(`^type ${name} struct \\{\\n([\\s\\S]*?)^\\}`, 'm').exec(sources.get(file)!);
  return m?.[1];
}

function fields(file: string, name: string): Record<string, string> {
  const body = structBody(file, name);
  if (body === undefined) return {};
  const out: Record<string, string> = {};
  for (const line of body.split('\n')) {
    const m = /^\t(?:(\w+)\s+)?(\S+)\s+`json:"([^"]*)"/.exec(line);
    if (!m) continue;
    const [, fieldName, type, tag] = m;
    const jsonName = tag!.split(',')[0]!;
    if (!fieldName && tag!.includes('inline')) {
      // an embedded struct: its fields are the outer struct's
      const [alias, inner] = type!.includes('.') ? type!.split('.') : ['', type!];
      const innerFile = alias === 'metav1' ? 'meta_v1.go' : file;
      Object.assign(out, fields(innerFile, inner!));
      continue;
    }
    if (jsonName === '-' || !jsonName) continue;
    out[jsonName] = qualify(type!);
  }
  return out;
}

const out: Record<string, Record<string, string>> = {};
for (const def of Object.keys(definitions)) {
  const pkg = def.slice(0, def.lastIndexOf('.'));
  const file = FILE[pkg];
  if (!file) continue;
  const f = fields(file, def.slice(def.lastIndexOf('.') + 1));
  if (Object.keys(f).length) out[def] = f;
}
process.stdout.write(`${JSON.stringify({ source: 'k8s.io/api and k8s.io/apimachinery v0.32.4 (Kubernetes 1.32.4) types.go', types: out })}\n`);

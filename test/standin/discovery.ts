// Kubernetes API stand-in: discovery and the minimal OpenAPI v3 documents kubectl reads
// (kubectl only checks that PATCH supports the `fieldValidation` query parameter).
import { allKinds, apiVersionOf, groupsServed, type KindInfo } from './kinds.js';

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

export function versionInfo() {
  return {
    major: '1',
    minor: '32',
    gitVersion: 'v1.32.0-standin',
    gitCommit: 'standin',
    gitTreeState: 'clean',
    buildDate: '2025-01-01T00:00:00Z',
    goVersion: 'go1.23',
    compiler: 'gc',
    platform: 'linux/amd64',
  };
}

export function coreVersions(serverAddress: string) {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

function groupEntry(group: string, version: string) {
  const gv = { groupVersion: `${group}/${version}`, version };
  return { name: group, versions: [gv], preferredVersion: gv };
}

export function groupList() {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: groupsServed().map((g) => groupEntry(g.group, g.version)) };
}

export function group(name: string) {
  const g = groupsServed().find((x) => x.group === name);
  return g ? { kind: 'APIGroup', apiVersion: 'v1', ...groupEntry(g.group, g.version) } : undefined;
}

export function resourceList(groupName: string, version: string) {
  const kinds = allKinds().filter((k) => k.group === groupName && k.version === version);
  if (!kinds.length) return undefined;
  const resources: object[] = [];
  for (const k of kinds) {
    resources.push({
      name: k.plural,
      singularName: k.singular,
      namespaced: k.namespaced,
      kind: k.kind,
      verbs: VERBS,
      ...(k.shortNames ? { shortNames: k.shortNames } : {}),
      ...(['Pod', 'Service', 'Deployment'].includes(k.kind) ? { categories: ['all'] } : {}),
    });
    if (['Deployment', 'Pod', 'Service', 'PersistentVolumeClaim', 'PodDisruptionBudget'].includes(k.kind)) {
      resources.push({ name: `${k.plural}/status`, singularName: '', namespaced: k.namespaced, kind: k.kind, verbs: ['get', 'patch', 'update'] });
    }
    if (k.kind === 'Pod') {
      resources.push({ name: 'pods/log', singularName: '', namespaced: true, kind: 'Pod', verbs: ['get'] });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: apiVersionOf(kinds[0]!), resources };
}

function gvPath(k: { group: string; version: string }): string {
  return k.group ? `apis/${k.group}/${k.version}` : `api/${k.version}`;
}

export function openapiV3Root() {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const gv of [{ group: '', version: 'v1' }, ...groupsServed()]) {
    const p = gvPath(gv);
    paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=standin1` };
  }
  return { paths };
}

function patchPath(k: KindInfo) {
  return {
    patch: {
      operationId: `patch${k.kind}`,
      'x-kubernetes-action': 'patch',
      'x-kubernetes-group-version-kind': { group: k.group, version: k.version, kind: k.kind },
      parameters: [
        { name: 'dryRun', in: 'query', schema: { type: 'string' } },
        { name: 'fieldManager', in: 'query', schema: { type: 'string' } },
        { name: 'fieldValidation', in: 'query', schema: { type: 'string' } },
        { name: 'force', in: 'query', schema: { type: 'boolean' } },
      ],
      responses: { '200': { description: 'OK' } },
    },
  };
}

export function openapiV3Doc(gvPathRequested: string) {
  const kinds = allKinds().filter((k) => gvPath(k) === gvPathRequested);
  if (!kinds.length) return undefined;
  const paths: Record<string, object> = {};
  for (const k of kinds) {
    const base = `/${gvPathRequested}${k.namespaced ? '/namespaces/{namespace}' : ''}/${k.plural}/{name}`;
    paths[base] = patchPath(k);
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes API stand-in', version: 'v1.32.0-standin' },
    paths,
    components: { schemas: {} },
  };
}

// Shared fixture of the k8s-apply unit tests: the role's defaults plus a user, fake certificate
// and htpasswd facts, and the engine's real template renderer.
import { join } from 'node:path';
import { loadYamlFile } from '../../src/engine/load/yaml.js';
import { repoRoot } from '../../src/engine/load/repo.js';
import { templateRenderer } from '../../src/engine/load/templates.js';
import type { RoleContext, Vars } from '../../src/resources/role.js';
import type { K8sObject } from '../../src/resources/types.js';
import { isSecret, Secret } from '../../src/secret.js';
import { registryObjects, type RegistryInputs } from '../../roles/k8s-apply/objects.js';
import { k8sApplyVars } from '../../roles/k8s-apply/vars.js';
import { fakePem } from '../helpers/pem.js';

export const render = templateRenderer();
// registry_name and registry_port have no default (one inventory variable for every role).
export const defaults = { ...(loadYamlFile(join(repoRoot(), 'roles/k8s-apply/defaults.yaml')) as Vars), registry_name: 'registry.local', registry_port: 5000 };

export const password = 'Tr0ub4dor-alice-pw';
export const keyPem = fakePem('PRIVATE KEY', 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASC-fake-key-material');
export const crtPem = '-----BEGIN CERTIFICATE-----\nMIIDfake-certificate\n-----END CERTIFICATE-----\n';
export const htpasswdAlice = 'alice:$2y$10$0123456789012345678901uQ3yYkq1w1m8KJx0ZkZ9c0Zt1c9qv2u\n';
export const httpSecretValue = '5f3c0e8a9d1b2c4e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6';
export const htpasswdAliceBob = `${htpasswdAlice}bob:$2y$10$abcdefghijklmnopqrstuu5Lq0yR3yQqQ3tTt8m0d3o0b2o9o1b2K\n`;

export function vars(overrides: Vars = {}): Vars {
  return { ...defaults, registry_users: [{ name: 'alice', password: new Secret(password) }], ...overrides };
}

export function inputs(overrides: Partial<RegistryInputs> = {}): RegistryInputs {
  return { tls: { crt: crtPem, key: new Secret(keyPem) }, htpasswd: new Secret(htpasswdAlice), httpSecret: new Secret(httpSecretValue), storageNode: 'cp1', ...overrides };
}

export function objects(overrides: Vars = {}, input: Partial<RegistryInputs> = {}): K8sObject[] {
  return registryObjects(render, k8sApplyVars.parse(vars(overrides)), inputs(input));
}

/** The object as kubectl receives it on stdin: every Secret revealed. */
export function revealed<T>(value: T): T {
  if (isSecret(value)) return value.reveal() as T;
  if (Array.isArray(value)) return value.map(revealed) as T;
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, revealed(v)])) as T;
  return value;
}

export function idOf(o: K8sObject): string {
  return `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;
}

export function find(list: K8sObject[], kind: string, name?: string, namespace?: string): K8sObject {
  const o = list.find((x) => x.kind === kind && (name === undefined || x.metadata.name === name) && (namespace === undefined || x.metadata.namespace === namespace));
  if (!o) throw new Error(`no ${kind} ${namespace ?? ''}/${name ?? ''}`);
  return o;
}

/** Ids of the objects that are new or differ between two rendered sets. */
export function changedIds(before: K8sObject[], after: K8sObject[]): string[] {
  const old = new Map(before.map((o) => [idOf(o), JSON.stringify(revealed(o))]));
  return after.filter((o) => old.get(idOf(o)) !== JSON.stringify(revealed(o))).map(idOf).sort();
}

export interface FakeCluster {
  hosts?: Record<string, Vars>;
  groups?: Record<string, string[]>;
}

/** A RoleContext on `host` whose control plane registered the certs and htpasswd facts. */
export function ctxFor(host: string, v: Vars, cluster: FakeCluster = {}): RoleContext {
  const groups = cluster.groups ?? { control_plane: ['cp1'], workers: ['w1'] };
  const hosts: Record<string, Vars> = cluster.hosts ?? {
    cp1: {
      registry_pki: { '/registry/certs/ca.crt': crtPem, '/registry/certs/tls.crt': crtPem, '/registry/certs/tls.key': new Secret(keyPem) },
      registry_htpasswd: { path: '/registry/auth/htpasswd', exists: true, content: new Secret(htpasswdAlice) },
    },
  };
  return {
    host: { name: host, groups: Object.keys(groups).filter((g) => groups[g]!.includes(host)) },
    vars: v,
    hostvars: (h) => hosts[h] ?? {},
    groups,
    template: render,
  };
}

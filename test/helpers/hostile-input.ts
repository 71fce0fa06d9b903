// fast-check arbitraries for hostile and careless input: mutated inventories and playbooks (as
// data and as text), alias-laden vars files and -e values. Every host stays 127.0.0.1: the
// generated inputs are only loaded and validated, and must never point anywhere else.
import fc from 'fast-check';
import { stringify } from 'yaml';

/** Plain-text secrets the generators put where secrets go: none may ever appear in output. */
export const PLAIN_SECRET = 'Sekret-';
const ENV_SENTINEL = '__REGPLAY_ENV_PW__';
export const KNOWN_SAMPLE = [
  'registry_name', 'registry_port', 'registry_users', 'bcrypt_cost', 'registry_cert_days', 'cert_renew_days', 'registry_probe', 'registry_resources',
  'registry_node_port', 'registry_ingress', 'docker_login_enabled', 'docker_login_user', 'no_proxy', 'http_proxy', 'containerd_config_version',
  'registry_cert_extra_dns', 'fstab_nfs_enabled', 'fstab_nfs_server', 'dns_hosts_ip_source', 'registry_storage_kind', 'registry_storage_size',
  'port', 'user', 'ssh_key', 'known_hosts', 'host_key_checking', 'become', 'transport', 'ansible_port',
];
const SECRET_KEYS = ['docker_login_password', 'become_password', 'ansible_become_pass'];

const slip = (name: string) => fc.nat({ max: name.length - 2 }).map((i) => name.slice(0, i) + name[i + 1] + name[i] + name.slice(i + 2));
const varName = fc.oneof(
  fc.constantFrom(...KNOWN_SAMPLE),
  fc.constantFrom(...KNOWN_SAMPLE).chain(slip),
  fc.constantFrom(...KNOWN_SAMPLE).map((n) => n.toUpperCase()),
  fc.stringMatching(/^[a-z][a-z0-9_]{0,20}$/),
  fc.string({ maxLength: 12 }),
);

const special = fc.constantFrom('!s3cret', '*alias', '&anchor x', '~', 'yes', 'off', 'no', '0x10', '1e400', '5000', '', ' ', '\n', '{{ x }}', '../../etc/passwd', '/dev/zero', '/', 'x'.repeat(5000), '-1', '65536', 'strict', 'accept-new', 'local', 'ssh', 'auto', '3', 'true');
const scalar = fc.oneof(fc.boolean(), fc.integer(), fc.double(), fc.constant(null), fc.string({ maxLength: 30 }), special);
export const hostile: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: scalar },
  { weight: 1, arbitrary: fc.array(scalar, { maxLength: 4 }) },
  { weight: 1, arbitrary: fc.dictionary(fc.oneof(varName, fc.constantFrom('name', 'password', 'requests', 'limits')), scalar, { maxKeys: 3 }) },
);
const plainSecret = fc.stringMatching(/^[A-Za-z0-9]{4,12}$/).map((s) => PLAIN_SECRET + s);
const secretPlacement = fc.oneof(
  fc.tuple(fc.constantFrom(...SECRET_KEYS), plainSecret),
  plainSecret.map((s) => ['http_proxy', `http://ci:${s}@proxy.lab:3128`] as [string, unknown]),
  plainSecret.map((s) => ['registry_users', [{ name: 'ci', password: s }]] as [string, unknown]),
);

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v);

/** The valid inventory for site.yaml, as data ([ENV_SENTINEL] becomes `!env REGPLAY_SITE_PW`). */
function baseInventory(): Obj {
  const local = () => ({ host: '127.0.0.1', transport: 'local' });
  return {
    all: {
      vars: { registry_name: 'registry.lab', registry_port: 5000, registry_users: [{ name: 'ci', password: ENV_SENTINEL }] },
      children: { control_plane: { hosts: { cp1: local() } }, workers: { hosts: { w1: local() } }, build: { hosts: { b1: local() } } },
    },
  };
}

function basePlaybook(): unknown[] {
  return [
    { name: 'pki', hosts: 'control_plane', roles: ['certs', { role: 'htpasswd', vars: { bcrypt_cost: 4 } }] },
    { name: 'nodes', hosts: 'control_plane:workers', roles: ['containerd-trust', 'dns-hosts'] },
    { name: 'build', hosts: 'build', roles: ['docker-trust', 'cri-proxy'] },
  ];
}

/** Every mapping inside `root`, as [path, mapping]. */
function mappings(root: unknown, path: string[] = []): Array<[string[], Obj]> {
  if (Array.isArray(root)) return root.flatMap((v, i) => mappings(v, [...path, String(i)]));
  if (!isObj(root)) return [];
  return [[path, root], ...Object.entries(root).flatMap(([k, v]) => mappings(v, [...path, k]))];
}

type Op = { kind: 'set'; at: number; key: string; value: unknown } | { kind: 'delete'; at: number; which: number } | { kind: 'replace'; at: number; which: number; value: unknown } | { kind: 'secret'; at: number; key: string; value: unknown };
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), key: varName, value: hostile }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), which: fc.nat() }),
  fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), which: fc.nat(), value: hostile }),
  secretPlacement.chain(([key, value]) => fc.record({ kind: fc.constant('secret' as const), at: fc.nat(), key: fc.constant(key), value: fc.constant(value) })),
);

/** Hosts stay on loopback whatever the mutation does. */
const ADDRESS_KEYS = new Set(['host', 'ansible_host']);

function mutate<T>(doc: T, ops: Op[]): T {
  for (const o of ops) {
    const maps = mappings(doc);
    if (!maps.length) break;
    const [, target] = maps[o.at % maps.length]!;
    const keys = Object.keys(target);
    if (o.kind === 'set' || o.kind === 'secret') {
      if (!ADDRESS_KEYS.has(o.key)) target[o.key] = o.value;
    } else if (keys.length) {
      const key = keys[o.which % keys.length]!;
      if (ADDRESS_KEYS.has(key)) continue;
      if (o.kind === 'delete') delete target[key];
      else target[key] = o.value;
    }
  }
  return doc;
}

function toYaml(doc: unknown): string {
  return stringify(doc, { lineWidth: 0 }).replaceAll(ENV_SENTINEL, '!env REGPLAY_SITE_PW');
}

/** Character edits with YAML's special characters: mostly syntax errors and odd structures. */
function textEdits(text: string, edits: Array<{ pos: number; del: number; ins: string }>): string {
  let out = text;
  for (const e of edits) {
    const p = e.pos % (out.length + 1);
    out = out.slice(0, p) + e.ins + out.slice(p + e.del);
  }
  // No address but loopback, whatever the edits did to `host:` lines.
  return out.replace(/^(\s*(?:ansible_)?host\s*:).*$/gm, '$1 127.0.0.1');
}
const edit = fc.record({ pos: fc.nat(), del: fc.nat({ max: 3 }), ins: fc.oneof(fc.constantFrom(':', '{', '}', '[', ']', '&a ', '*a', '!', '|', '>', '-', '#', "'", '"', '\n', '  ', '\t', '<<: *a', '%', '@', '`', ',', '?'), fc.string({ maxLength: 3 })) });

/** `levels` anchors, each a list of aliases to earlier ones (or to itself: a loop). */
const aliasFile = fc
  .array(fc.record({ width: fc.integer({ min: 1, max: 12 }), back: fc.nat(), loop: fc.boolean(), merge: fc.boolean() }), { minLength: 1, maxLength: 10 })
  .map((levels) =>
    levels
      .map((l, i) => {
        if (i === 0) return `v0: &a0 ["x", 1]`;
        const ref = l.loop && l.back % 5 === 0 ? i : Math.max(0, i - 1 - (l.back % i));
        if (l.merge) return `v${i}: &a${i}\n  <<: *a${Math.max(0, i - 1)}\n  k${i}: 1`;
        return `v${i}: &a${i} [${Array(l.width).fill(`*a${ref}`).join(', ')}]`;
      })
      .join('\n') + '\n',
  );

export interface Project {
  files: Record<string, string>;
  extraVars: string[];
}

const extraVar = fc.oneof(
  fc.tuple(varName, fc.oneof(fc.string({ maxLength: 20 }), special)).map(([k, v]) => `${k}=${v}`),
  plainSecret.chain((s) => fc.constantFrom(`docker_login_password=${s}`, `become_password=${s}`, `{registry_users: [{name: ci, password: ${s}}]}`, `http_proxy=http://u:${s}@p:3128`)),
  fc.tuple(varName, fc.string({ maxLength: 20 })).map(([k, v]) => `{${k}: ${v}}`),
  fc.string({ maxLength: 30 }),
  fc.constantFrom('@group_vars/all.yaml', '@missing.yaml', '@/dev/zero', '@.', '{', '=', 'a b=c', "k='quoted value'"),
);

const PLAYBOOK = 'play.yaml';
const data = fc.record({ inv: fc.array(op, { maxLength: 4 }), pb: fc.array(op, { maxLength: 3 }) }).map(({ inv, pb }) => ({
  'inventory.yaml': toYaml(mutate(baseInventory(), inv)),
  [PLAYBOOK]: toYaml(mutate(basePlaybook(), pb)),
}));
const text = fc.record({ inv: fc.array(edit, { minLength: 1, maxLength: 4 }), pb: fc.array(edit, { maxLength: 2 }) }).map(({ inv, pb }) => ({
  'inventory.yaml': textEdits(toYaml(baseInventory()), inv),
  [PLAYBOOK]: textEdits(toYaml(basePlaybook()), pb),
}));
const aliases = aliasFile.map((vars) => ({ 'inventory.yaml': toYaml(baseInventory()), [PLAYBOOK]: toYaml(basePlaybook()), 'group_vars/all.yaml': vars }));

/** A project directory's files (inventory.yaml, play.yaml, maybe group_vars/all.yaml) and -e values. */
export const hostileProject: fc.Arbitrary<Project> = fc
  .tuple(fc.oneof({ weight: 3, arbitrary: data }, { weight: 2, arbitrary: text }, { weight: 1, arbitrary: aliases }), fc.array(extraVar, { maxLength: 3 }))
  .map(([files, extraVars]) => ({ files, extraVars }));

export { PLAYBOOK };

// registry_config_extra: the rest of distribution's configuration (proxy, notifications, middleware,
// ...) deep-merged into the config.yml regplay writes. The keys regplay writes itself cannot be
// overridden: setting one (or replacing a mapping that holds one) is bad input naming the key.
import { parse, stringify } from 'yaml';
import { Secret } from '../../src/secret.js';

/** Dotted config paths regplay writes, and the variables (or roles) that decide them. */
export const OWNED_CONFIG: Record<string, string> = {
  version: 'the config format regplay writes',
  storage: 'registry_storage_*, registry_redis',
  redis: 'registry_redis*',
  'http.addr': 'registry_port',
  'http.tls': "the certs role's certificate",
  'http.secret': 'the shared Secret registry_http_secret, given to every replica',
  'http.debug': 'registry_metrics, registry_metrics_port',
  auth: "the htpasswd role's users",
  'health.storagedriver': 'the readiness probe',
};

const isMapping = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Where `extra` first sets (or replaces a mapping holding) a key regplay writes, or undefined. */
export function configExtraClash(extra: Record<string, unknown>, owned: string[] = Object.keys(OWNED_CONFIG)): { at: string; owned: string } | undefined {
  const walk = (node: Record<string, unknown>, prefix: string[]): { at: string; owned: string } | undefined => {
    for (const [key, value] of Object.entries(node)) {
      const at = [...prefix, key].join('.');
      const under = owned.find((o) => at === o || at.startsWith(`${o}.`));
      if (under) return { at, owned: under };
      const holds = owned.filter((o) => o.startsWith(`${at}.`));
      if (!holds.length) continue;
      if (!isMapping(value)) return { at, owned: holds[0]! };
      const inner = walk(value, [...prefix, key]);
      if (inner) return inner;
    }
    return undefined;
  };
  return walk(extra, []);
}

/** Where `extra` holds a Secret (`!env`/`!file`): config.yml is a ConfigMap, in plain text. */
export function configExtraSecret(extra: unknown, path: string[] = []): string[] | undefined {
  if (extra instanceof Secret) return path;
  if (extra === null || typeof extra !== 'object') return undefined;
  for (const [k, v] of Object.entries(extra)) {
    const found = configExtraSecret(v, [...path, k]);
    if (found) return found;
  }
  return undefined;
}

/** The bad-input message for a clash. */
export function clashMessage(c: { at: string; owned: string }): string {
  const what = c.at === c.owned ? `sets ${c.owned}` : c.owned.startsWith(`${c.at}.`) ? `replaces ${c.at}, which holds ${c.owned}` : `sets ${c.at}, inside ${c.owned}`;
  return `${what}: regplay writes ${c.owned} itself (from ${OWNED_CONFIG[c.owned] ?? 'regplay'}); set it through those variables, or leave it out of registry_config_extra`;
}

/** Mappings merged key by key; anything else in `extra` replaces what is there. */
export function deepMerge(base: unknown, extra: unknown): unknown {
  if (!isMapping(base) || !isMapping(extra)) return extra;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(extra)) out[k] = k in base ? deepMerge(base[k], v) : v;
  return out;
}

/** The config text with `extra` merged in; the text itself when there is nothing to merge. */
export function withConfigExtra(configText: string, extra: Record<string, unknown> | null | undefined): string {
  if (!extra || !Object.keys(extra).length) return configText;
  return stringify(deepMerge(parse(configText), extra), { lineWidth: 0 });
}

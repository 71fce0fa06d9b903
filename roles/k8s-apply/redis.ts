// The optional Redis blob-descriptor cache (storage.cache.blobdescriptor: redis): a Redis the user
// runs (registry_redis: external, at registry_redis_addr) or a small one regplay runs in the
// registry's namespace (managed: a Deployment and a Service, no persistence: it is a cache).
// The `redis` section differs by version: 2.x `addr`, 3.x `addrs` (go-redis UniversalOptions).
// The password reaches the registry as REGISTRY_REDIS_PASSWORD from the Secret, never in the ConfigMap;
// distribution 3.0.x ignores that variable (distribution issue 4512, fixed in 3.1.0), so it is refused there.
import type { Secret } from '../../src/secret.js';
import type { Credential } from './object-storage.js';

export const REDIS_PORT = 6379;

export interface RedisInput {
  registry_redis: 'none' | 'external' | 'managed';
  registry_redis_addr?: string | null;
  registry_redis_password?: Secret | null;
  registry_redis_db: number;
  registry_app_name: string;
  registry_namespace: string;
}

/** Name of the managed Redis Deployment and Service. */
export function redisName(v: Pick<RedisInput, 'registry_app_name'>): string {
  return `${v.registry_app_name}-redis`;
}

/** host:port of the Redis the registry uses, or undefined without one. */
export function redisAddress(v: RedisInput): string | undefined {
  switch (v.registry_redis) {
    case 'none':
      return undefined;
    case 'external':
      return v.registry_redis_addr!;
    case 'managed':
      // the Service's cluster DNS name: pods resolve it (nodes never need to)
      return `${redisName(v)}.${v.registry_namespace}.svc:${REDIS_PORT}`;
  }
}

/** Problems with the Redis variables: [variable, message]. */
export function redisProblems(v: RedisInput, version: { major?: number; minor?: number }): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  if (v.registry_redis === 'external' && !v.registry_redis_addr) out.push(['registry_redis_addr', 'is required when registry_redis is external (host:port of your Redis)']);
  if (v.registry_redis !== 'external' && v.registry_redis_addr) out.push(['registry_redis_addr', `is only read when registry_redis is external (it is ${v.registry_redis})`]);
  if (v.registry_redis === 'managed' && !v.registry_redis_password) out.push(['registry_redis_password', 'is required when registry_redis is managed: every pod of the cluster can reach that Redis (`!env NAME` or `!file path`)']);
  if (v.registry_redis === 'managed' && v.registry_redis_password && /["\\\n\r]/.test(v.registry_redis_password.reveal()))
    out.push(['registry_redis_password', 'must not contain a double quote, a backslash or a line break for a managed Redis (it is written into its quoted requirepass line)']);
  if (v.registry_redis !== 'none' && v.registry_redis_password && version.major === 3 && version.minor === 0)
    out.push(['registry_redis_password', 'cannot reach registry 3.0.x: it ignores REGISTRY_REDIS_PASSWORD (distribution issue 4512, fixed in 3.1.0); use registry 3.1 or later, or 2.8']);
  return out;
}

/** The config.yml sections for the cache (none without Redis). */
export function redisConfig(v: RedisInput, major: number | undefined): Record<string, unknown> | undefined {
  const addr = redisAddress(v);
  if (addr === undefined) return undefined;
  const where = major === 2 ? { addr } : { addrs: [addr] };
  return { redis: { ...where, db: v.registry_redis_db, dialtimeout: '5s', readtimeout: '5s', writetimeout: '5s' } };
}

/** The Redis password, as an environment variable of the registry from the Secret. */
export function redisCredentials(v: RedisInput): Credential[] {
  return v.registry_redis !== 'none' && v.registry_redis_password ? [{ key: 'redis-password', value: v.registry_redis_password, env: 'REGISTRY_REDIS_PASSWORD' }] : [];
}

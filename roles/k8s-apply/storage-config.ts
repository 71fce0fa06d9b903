// config.yml's storage driver and cache for object storage and Redis. The template writes the
// filesystem driver and the in-memory cache; only a registry with object storage or Redis gets its
// config re-written here (the others keep their exact text, so upgrading regplay restarts nothing).
import { parse, stringify } from 'yaml';
import { storageDriver, type ObjectStorageInput } from './object-storage.js';
import { redisConfig, type RedisInput } from './redis.js';

export function withStorageConfig(configText: string, v: ObjectStorageInput & RedisInput, major: number | undefined): string {
  const driver = storageDriver(v, major);
  const redis = redisConfig(v, major);
  if (!driver && !redis) return configText;
  const doc = parse(configText) as { storage: Record<string, unknown> } & Record<string, unknown>;
  if (driver) {
    const { filesystem: _fs, ...rest } = doc.storage;
    // Blobs are served by the registry through the driver (nodes need to reach only the registry),
    // unless registry_storage_redirect lets clients fetch them from the object store directly.
    doc.storage = { ...driver, ...rest, redirect: { disable: !v.registry_storage_redirect } };
  }
  if (redis) {
    doc.storage = { ...doc.storage, cache: { blobdescriptor: 'redis' } };
    Object.assign(doc, redis);
  }
  return stringify(doc, { lineWidth: 0 });
}

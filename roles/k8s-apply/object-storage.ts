// Object storage (registry_storage_kind s3, gcs, azure): distribution's own drivers, configured with
// their own parameter names. Credentials never enter the ConfigMap: they go into the Secret
// registry_storage_secret and reach the registry as environment variables (REGISTRY_STORAGE_<DRIVER>_<KEY>,
// which distribution reads over its config file) or, for the GCS key file, as a mounted file.
// Parameters and their rules: registry/storage/driver/{s3-aws,gcs,azure} at v2.8.3 and v3.0.0.
import { z } from 'zod';
import type { Secret } from '../../src/secret.js';
import { flag, secret, wholeNumber } from '../_shared/vars.js';

const text = z.string().min(1);
const url = z.string().regex(/^https?:\/\/[^\s/]+(\/[^\s]*)?$/, 'must be a URL such as https://s3.example.internal:9000');
// distribution: a key prefix inside the bucket ("/" or empty is the bucket's root)
const rootDirectory = z.string().regex(/^[^\s]*$/, 'must be a key prefix without spaces');

export const s3Vars = z
  .object({
    bucket: text,
    region: text,
    regionendpoint: url.nullish(),
    forcepathstyle: flag.nullish(),
    encrypt: flag.nullish(),
    keyid: text.nullish(),
    secure: flag.nullish(),
    skipverify: flag.nullish(),
    v4auth: flag.nullish(),
    rootdirectory: rootDirectory.nullish(),
    storageclass: z.enum(['STANDARD', 'REDUCED_REDUNDANCY', 'NONE']).nullish(),
    chunksize: wholeNumber.min(5 * 1024 * 1024, 'must be at least 5242880 (S3 parts are at least 5 MiB)').nullish(),
    accesskey: secret.nullish(),
    secretkey: secret.nullish(),
  })
  .strict();

export const gcsVars = z
  .object({
    bucket: text,
    // the service account's JSON key (its content, e.g. `!file sa.json`); null: Google's default
    // credentials of the pod (Workload Identity)
    keyfile: secret.nullish(),
    rootdirectory: rootDirectory.nullish(),
    chunksize: wholeNumber.min(256 * 1024, 'must be a multiple of 262144 (256 KiB)').refine((n) => n % (256 * 1024) === 0, 'must be a multiple of 262144 (256 KiB)').nullish(),
  })
  .strict();

export const azureVars = z
  .object({
    accountname: text,
    accountkey: secret.nullish(),
    container: z.string().regex(/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/, 'must be an Azure container name (3-63 of a-z, 0-9, -)'),
    realm: text.nullish(),
  })
  .strict();

export type S3Vars = z.infer<typeof s3Vars>;
export type GcsVars = z.infer<typeof gcsVars>;
export type AzureVars = z.infer<typeof azureVars>;

export const OBJECT_STORAGE_KINDS = ['s3', 'gcs', 'azure'] as const;
export type ObjectStorageKind = (typeof OBJECT_STORAGE_KINDS)[number];

export interface ObjectStorageInput {
  registry_storage_kind: string;
  registry_storage_s3?: S3Vars | null;
  registry_storage_gcs?: GcsVars | null;
  registry_storage_azure?: AzureVars | null;
  registry_storage_redirect: boolean;
}

export function isObjectStorage(kind: string): kind is ObjectStorageKind {
  return (OBJECT_STORAGE_KINDS as readonly string[]).includes(kind);
}

/** Where a Secret value reaches the registry: an environment variable or a file of the mounted Secret. */
export type Credential = { key: string; value: Secret } & ({ env: string } | { file: string });

export const GCS_KEY_DIR = '/etc/registry-gcs';
const GCS_KEY = 'gcs-keyfile.json';

/** Problems with the object storage variables: [variable path, message]. */
export function objectStorageProblems(v: ObjectStorageInput, major: number | undefined): Array<[Array<string>, string]> {
  const out: Array<[Array<string>, string]> = [];
  const kind = v.registry_storage_kind;
  if (!isObjectStorage(kind)) return out;
  const name = `registry_storage_${kind}`;
  const block = v[name as keyof ObjectStorageInput];
  if (block === null || block === undefined) {
    out.push([[name], `is required when registry_storage_kind is ${kind} (see roles/k8s-apply/defaults.yaml)`]);
    return out;
  }
  if (kind === 's3') {
    const s3 = block as S3Vars;
    if (Boolean(s3.accesskey) !== Boolean(s3.secretkey)) out.push([[name, s3.accesskey ? 'secretkey' : 'accesskey'], 'must be set together with the other of accesskey/secretkey (neither: the pod\'s own AWS credentials, e.g. an IAM role)']);
    if (s3.keyid && s3.encrypt !== true) out.push([[name, 'keyid'], 'is ignored by the S3 driver unless encrypt is true: set encrypt: true']);
    if (major === 2 && s3.forcepathstyle === false && s3.regionendpoint) out.push([[name, 'forcepathstyle'], 'cannot be false with registry 2.x: its S3 driver always uses path-style requests when regionendpoint is set']);
    if (major === 2 && s3.forcepathstyle === true && !s3.regionendpoint) out.push([[name, 'forcepathstyle'], 'needs regionendpoint with registry 2.x: its S3 driver has no forcepathstyle and uses path-style requests only with regionendpoint']);
  }
  if (kind === 'azure' && !(block as AzureVars).accountkey) out.push([[name, 'accountkey'], 'is required: the storage account key (`!env NAME` or `!file path`)']);
  return out;
}

/** The `storage` driver section of config.yml for object storage (no credential in it), or undefined. */
export function storageDriver(v: ObjectStorageInput, major: number | undefined): Record<string, unknown> | undefined {
  const kind = v.registry_storage_kind;
  if (!isObjectStorage(kind)) return undefined;
  switch (kind) {
    case 's3': {
      const { accesskey: _a, secretkey: _s, forcepathstyle, ...params } = v.registry_storage_s3!;
      // 2.x has no forcepathstyle: it uses path-style requests exactly when regionendpoint is set
      return { s3: defined({ ...params, forcepathstyle: major === 2 ? undefined : forcepathstyle }) };
    }
    case 'gcs': {
      const { keyfile, ...params } = v.registry_storage_gcs!;
      return { gcs: defined({ ...params, keyfile: keyfile ? `${GCS_KEY_DIR}/${GCS_KEY}` : undefined }) };
    }
    case 'azure': {
      const { accountkey: _k, ...params } = v.registry_storage_azure!;
      // 3.x chooses the credential by credentials.type; 2.x knows only the account key
      return { azure: defined({ ...params, ...(major === 2 ? {} : { credentials: { type: 'shared_key' } }) }) };
    }
  }
}

/** The object storage credentials and where each reaches the registry. */
export function storageCredentials(v: ObjectStorageInput): Credential[] {
  switch (v.registry_storage_kind) {
    case 's3': {
      const s3 = v.registry_storage_s3!;
      return [
        ...(s3.accesskey ? [{ key: 's3-accesskey', value: s3.accesskey, env: 'REGISTRY_STORAGE_S3_ACCESSKEY' }] : []),
        ...(s3.secretkey ? [{ key: 's3-secretkey', value: s3.secretkey, env: 'REGISTRY_STORAGE_S3_SECRETKEY' }] : []),
      ];
    }
    case 'gcs': {
      const keyfile = v.registry_storage_gcs!.keyfile;
      return keyfile ? [{ key: GCS_KEY, value: keyfile, file: `${GCS_KEY_DIR}/${GCS_KEY}` }] : [];
    }
    case 'azure':
      return [{ key: 'azure-accountkey', value: v.registry_storage_azure!.accountkey!, env: 'REGISTRY_STORAGE_AZURE_ACCOUNTKEY' }];
    default:
      return [];
  }
}

/** Keys of `o` whose value is set (null and undefined dropped). */
function defined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, x]) => x !== null && x !== undefined));
}

// The one table of the variables that hold secrets, the roles' and the connection's alike. Given as
// plain text they are refused before any host is touched (unless written `!plain`), and a bad-input
// error never shows their values. Declared, not guessed from names: `registry_auth_dir` is no secret.
import { isSecret } from './secret.js';

export type SecretPlace =
  /** The value itself. */
  | { kind: 'value' }
  /** One field of every entry of a list (`registry_users[].password`). */
  | { kind: 'list-field'; field: string }
  /** Named fields of a mapping (`registry_storage_s3.secretkey`). */
  | { kind: 'fields'; fields: readonly string[] }
  /** The user:password part of a URL; a URL without one holds no secret. */
  | { kind: 'url-credentials' };

export interface SecretVariable {
  place: SecretPlace;
  what: string;
}

const become: SecretVariable = { place: { kind: 'value' }, what: "the sudo password (the connection's become_password)" };

export const SECRET_VARIABLES: Readonly<Record<string, SecretVariable>> = {
  registry_users: { place: { kind: 'list-field', field: 'password' }, what: 'a registry user password' },
  docker_login_password: { place: { kind: 'value' }, what: 'the docker login password' },
  become_password: become,
  ansible_become_password: become,
  ansible_become_pass: become,
  registry_storage_s3: { place: { kind: 'fields', fields: ['accesskey', 'secretkey'] }, what: 'an S3 access key' },
  registry_storage_gcs: { place: { kind: 'fields', fields: ['keyfile'] }, what: 'a GCS service account key' },
  registry_storage_azure: { place: { kind: 'fields', fields: ['accountkey'] }, what: 'an Azure storage account key' },
  registry_redis_password: { place: { kind: 'value' }, what: 'the Redis password' },
  http_proxy: { place: { kind: 'url-credentials' }, what: 'a proxy URL with credentials' },
  https_proxy: { place: { kind: 'url-credentials' }, what: 'a proxy URL with credentials' },
};

export function isSecretVariable(name: string): boolean {
  return Object.hasOwn(SECRET_VARIABLES, name);
}

/** Whether the value at `path` (['registry_users', 0, 'password']) may hold a secret the table declares. */
export function isSecretPath(path: ReadonlyArray<string | number>): boolean {
  const entry = SECRET_VARIABLES[String(path[0])];
  if (!entry || !isSecretVariable(String(path[0]))) return false;
  if (entry.place.kind === 'fields') return path.length < 2 || entry.place.fields.includes(String(path[1]));
  return entry.place.kind !== 'list-field' || path.length < 3 || path[2] === entry.place.field;
}

/** A plain-text secret found in a variable: where (`registry_users[0].password`) and what it is. */
export interface PlainSecret {
  name: string;
  path: string;
  /** The key to write `!env` on. */
  key: string;
  what: string;
}

const USERINFO = /^(?:[A-Za-z][A-Za-z0-9+.-]*:\/\/)?[^/@\s]+@/;

function plain(v: unknown): boolean {
  if (v === null || v === undefined || v === '' || isSecret(v)) return false;
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint';
}

/** The secrets `value` of variable `name` holds in plain text (none for a variable not in the table). */
export function plainSecrets(name: string, value: unknown): PlainSecret[] {
  if (!isSecretVariable(name)) return [];
  const { place, what } = SECRET_VARIABLES[name]!;
  switch (place.kind) {
    case 'value':
      return plain(value) ? [{ name, path: name, key: name, what }] : [];
    case 'url-credentials':
      return typeof value === 'string' && USERINFO.test(value.trim()) ? [{ name, path: name, key: name, what }] : [];
    case 'fields':
      if (!value || typeof value !== 'object' || Array.isArray(value)) return [];
      return place.fields.filter((f) => plain((value as Record<string, unknown>)[f])).map((f) => ({ name, path: `${name}.${f}`, key: f, what }));
    case 'list-field':
      if (!Array.isArray(value)) return [];
      return value.flatMap((item, i) =>
        item && typeof item === 'object' && plain((item as Record<string, unknown>)[place.field]) ? [{ name, path: `${name}[${i}].${place.field}`, key: place.field, what }] : [],
      );
  }
}

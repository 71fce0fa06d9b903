// Variable schemas shared by roles, and the one place that turns a schema failure into an
// InputError naming the variable and what to do.
import { z } from 'zod';
import { InputError } from '../../src/errors.js';
import { cliStringReadings, cliStrings } from '../../src/cli-strings.js';
import { Secret } from '../../src/secret.js';
import { isSecretPath } from '../../src/secret-vars.js';
import { RUNTIMES } from '../../src/facts/container-runtimes.js';

/** RFC 1123 DNS name (the registry name must be one: it goes into the cert SAN, certs.d, /etc/hosts). */
export const dnsName = z
  .string()
  .max(253)
  .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/, 'must be a lower-case RFC 1123 DNS name (letters, digits, hyphens, dots)');

/** RFC 1123 DNS label (namespaces, object names). */
export const dnsLabel = z.string().regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, 'must be an RFC 1123 DNS label (a-z, 0-9, -; at most 63)');

/**
 * A whole number, given as one: `true`, `[5000]` or the string "5000" from YAML are refused, never
 * coerced (only a `-e key=value` string is read as the number it spells; see parseVars).
 */
export const wholeNumber = z.number({ invalid_type_error: 'must be a whole number' }).int('must be a whole number');

export const port = wholeNumber.min(1, 'must be 1-65535').max(65535, 'must be 1-65535');

/** A Secret (from `!env NAME` / `!file path` in YAML); a plain string is accepted and wrapped. */
export const secret = z
  .union([z.instanceof(Secret), z.string()])
  .transform((v) => (v instanceof Secret ? v : new Secret(v)))
  .refine((s) => s.reveal().length > 0, 'is empty: set it (e.g. `!env REGISTRY_PASSWORD`)');

/**
 * Parses `vars` with `schema`; the first problem becomes an InputError naming the variable.
 * A `-e key=value` string the schema refuses is read as the number, boolean or list it spells.
 */
export function parseVars<T extends z.ZodTypeAny>(role: string, schema: T, vars: Record<string, unknown>): z.infer<T> {
  let result = schema.safeParse(vars);
  if (!result.success) {
    const read = readCliStrings(schema, vars, result.error);
    if (read) result = schema.safeParse(read);
  }
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const path = issue.path.join('.');
  const got = issue.path.reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string | number, unknown>)[k] : undefined), vars);
  const shown = got === undefined ? 'is not set' : `= ${shownValue(got, issue.path)}`;
  throw new InputError(`role ${role}: variable ${path} ${shown}: ${issue.message}`, undefined, `set ${path} in the inventory, the play's vars, or with -e ${path.split('.')[0]}=...`);
}

/** `vars` with each refused `-e` string replaced by the first reading of it the schema accepts. */
function readCliStrings(schema: z.ZodTypeAny, vars: Record<string, unknown>, error: z.ZodError): Record<string, unknown> | undefined {
  const cli = cliStrings(vars);
  const names = new Set(error.issues.map((i) => String(i.path[0])).filter((n) => cli.has(n) && typeof vars[n] === 'string'));
  if (!names.size) return undefined;
  const input = { ...vars };
  for (const name of names) {
    for (const reading of cliStringReadings(vars[name] as string)) {
      const r = schema.safeParse({ ...input, [name]: reading });
      if (r.success || !r.error.issues.some((i) => String(i.path[0]) === name)) {
        input[name] = reading;
        break;
      }
    }
  }
  return input;
}

/**
 * What a bad-input error may echo of a value: never a mapping or list (it may hold a password
 * under any key), never a Secret, and nothing of a variable the secret table declares (a password
 * given as a plain, wrong-typed value is still a password). Other names are shown, whatever they
 * sound like: `registry_auth_dir` is a path.
 */
export function shownValue(value: unknown, path: ReadonlyArray<string | number>): string {
  if (Array.isArray(value)) return '(a list)';
  if (value !== null && typeof value === 'object' && !(value instanceof Secret)) return '(a mapping)';
  if (value instanceof Secret || isSecretPath(path)) return '***';
  return JSON.stringify(value);
}

const BOOLEAN_WORDS: ReadonlyMap<string, boolean> = new Map([
  ['true', true],
  ['yes', true],
  ['on', true],
  ['false', false],
  ['no', false],
  ['off', false],
]);

/** A boolean; YAML 1.1's words (yes/no/on/off, unquoted strings in YAML 1.2) are Ansible's spelling too. Numbers are refused. */
export const flag = z.preprocess(
  (v) => (typeof v === 'string' ? (BOOLEAN_WORDS.get(v.trim().toLowerCase()) ?? v) : v),
  z.boolean({ invalid_type_error: 'must be true or false', required_error: 'must be true or false' }),
);

/** The one registry address used everywhere: cert SAN, certs.d/<name:port>, pull secrets, image refs. */
export function registryAddress(vars: { registry_name: string; registry_port: number }): string {
  return `${vars.registry_name}:${vars.registry_port}`;
}

export const registryCore = z.object({
  registry_name: dnsName,
  registry_port: port,
  // The optional Ingress: clients reach it on 443 as `<host>` (no port), next to `name:port`.
  registry_ingress: flag.optional(),
  registry_ingress_host: dnsName.nullish(),
});

/** The Ingress host when the Ingress is on (registry_ingress_host, or registry_name), else undefined. */
export function ingressHost(vars: { registry_name: string; registry_ingress?: boolean; registry_ingress_host?: string | null }): string | undefined {
  return vars.registry_ingress ? (vars.registry_ingress_host ?? vars.registry_name) : undefined;
}

/**
 * Every address clients use for the registry: `name:port` (the Service), and with the Ingress on
 * its host without a port (an Ingress serves HTTPS on 443, so image references name no port and
 * Docker/containerd look in certs.d/<host>/).
 */
export function registryAddresses(vars: { registry_name: string; registry_port: number; registry_ingress?: boolean; registry_ingress_host?: string | null }): string[] {
  const host = ingressHost(vars);
  return host === undefined ? [registryAddress(vars)] : [registryAddress(vars), host];
}

export const absolutePath = z.string().regex(/^\/[^\0\n]*$/, 'must be an absolute path');

/** A list (null is the empty list); a string is refused, except `-e name=a,b` (see parseVars). */
export function listOf<T extends z.ZodTypeAny>(item: T) {
  return z.preprocess((v) => v ?? [], z.array(item, { invalid_type_error: 'must be a list' }));
}

const runtimeChoices = { errorMap: () => ({ message: `must be auto or one of ${RUNTIMES.join(', ')} (or a list of them)` }) };
const oneRuntime = z.enum(RUNTIMES, runtimeChoices);

/** `container_runtime`: auto (detected by node-trust), one runtime, or a list (node-trust, containerd-trust). */
export const containerRuntime = z.union([z.literal('auto'), oneRuntime, listOf(oneRuntime)], runtimeChoices);

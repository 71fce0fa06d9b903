// The registry's CA and certificate as seen by roles on other hosts (containerd-trust,
// docker-trust, k8s-apply): the `registry_pki` fact the certs role registers on the first
// control-plane host, or an explicit `registry_ca_pem`.
import { PendingFactError, StateError } from '../../src/errors.js';
import type { RoleContext } from '../../src/resources/role.js';
import { isSecret, Secret } from '../../src/secret.js';
import { factOf, firstHostOf } from './facts.js';

export const DEFAULT_CERT_DIR = '/registry/certs';
export const DEFAULT_PKI_GROUP = 'control_plane';

type PkiFact = Record<string, unknown>;

/** The CA certificate (PEM) every node must trust. */
export function registryCaPem(ctx: RoleContext): string {
  const given = ctx.vars.registry_ca_pem;
  if (given !== undefined && given !== null && given !== '') return isSecret(given) ? given.reveal() : String(given);
  return text(pkiFile(ctx, 'ca.crt'));
}

/** The registry's server certificate and key (for the registry's TLS Secret). */
export function registryTls(ctx: RoleContext): { crt: string; key: Secret } {
  const key = pkiFile(ctx, 'tls.key');
  return { crt: text(pkiFile(ctx, 'tls.crt')), key: isSecret(key) ? key : new Secret(String(key), 'tls.key') };
}

function pkiFile(ctx: RoleContext, file: string): unknown {
  const group = typeof ctx.vars.registry_pki_group === 'string' && ctx.vars.registry_pki_group ? ctx.vars.registry_pki_group : DEFAULT_PKI_GROUP;
  const host = firstHostOf(ctx, group);
  const fact = factOf<PkiFact>(ctx, host, 'registry_pki', 'certs');
  const dir = String(ctx.vars.registry_cert_dir ?? ctx.hostvars(host).registry_cert_dir ?? DEFAULT_CERT_DIR).replace(/\/+$/, '');
  const path = `${dir}/${file}`;
  if (fact[path] !== undefined && fact[path] !== null) return fact[path];
  if (path in fact) {
    throw new PendingFactError(`${path} does not exist on ${host} yet`, `run the certs role on ${host} first (a run without --limit, or with --limit ${host})`, host);
  }
  // The certs role ran with another registry_cert_dir than this host sees: the fact names one set.
  const matches = Object.keys(fact).filter((k) => k.endsWith(`/${file}`));
  if (matches.length === 1 && fact[matches[0]!] != null) return fact[matches[0]!];
  throw new StateError(`fact registry_pki from ${host} has no ${path}`, `set registry_cert_dir to the directory the certs role uses on ${host}`);
}

function text(v: unknown): string {
  return isSecret(v) ? v.reveal() : String(v);
}

// The canary pushed from the controller itself (no build host, or --canary-from controller): the OCI
// distribution API spoken from this process — each blob uploaded (POST, then PUT with its digest),
// then the manifest — over TLS verified with the site's CA (read from the control plane) and the
// registry name, with the registry user's Basic credential. Deleted the same way afterwards.
import { request } from 'node:https';
import type { Secret } from '../secret.js';
import type { Canary } from './canary.js';

export const CANARY_REPO = 'regplay-verify/canary';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

export interface ControllerEndpoint {
  name: string;
  port: number;
  /** The site's CA certificate (PEM): the only one trusted. */
  ca: string;
  user: string;
  password: Secret;
  timeoutMs?: number;
}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A push or delete the registry refused or could not be reached for; the message names the layer. */
export class ControllerPushError extends Error {}

function call(e: ControllerEndpoint, method: string, path: string, body?: Buffer, type?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: e.name,
        port: e.port,
        method,
        path,
        ca: e.ca,
        servername: e.name,
        timeout: e.timeoutMs ?? 30_000,
        headers: {
          authorization: `Basic ${Buffer.from(`${e.user}:${e.password.reveal()}`).toString('base64')}`,
          ...(body ? { 'content-type': type ?? 'application/octet-stream', 'content-length': String(body.length) } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer from ${e.name}:${e.port} in ${(e.timeoutMs ?? 30_000) / 1000} s`)));
    req.on('error', (err: NodeJS.ErrnoException) => reject(new ControllerPushError(layerOf(e, err))));
    req.end(body);
  });
}

function layerOf(e: ControllerEndpoint, err: NodeJS.ErrnoException): string {
  if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') return `DNS: ${e.name} does not resolve on the controller`;
  if (err.code === 'ECONNREFUSED' || err.code === 'EHOSTUNREACH' || err.code === 'ETIMEDOUT') return `TCP: ${e.name}:${e.port} is not reachable from the controller (${err.code})`;
  if (/certificate|self.signed|UNABLE_TO|ERR_TLS/i.test(`${err.code} ${err.message}`)) return `TLS: ${err.message} (verified with the site's CA only)`;
  return err.message;
}

function refused(what: string, r: Reply): ControllerPushError {
  if (r.status === 401) return new ControllerPushError(`auth: the registry refused the credential (401) for ${what}`);
  const code = /"code":"([A-Z_]+)"/.exec(r.body)?.[1];
  return new ControllerPushError(`${what}: the registry answered ${r.status}${code ? ` ${code}` : ''}`);
}

/** Uploads every blob of the canary, then its manifest under its tag; returns the reference. */
export async function pushCanary(e: ControllerEndpoint, canary: Canary): Promise<string> {
  const blobs = [...canary.files].filter(([path]) => path.startsWith('blobs/sha256/')).map(([path, data]) => ({ digest: `sha256:${path.slice('blobs/sha256/'.length)}`, data }));
  const manifest = blobs.find((b) => b.digest === canary.manifestDigest)!;
  for (const blob of blobs.filter((b) => b !== manifest)) {
    const started = await call(e, 'POST', `/v2/${CANARY_REPO}/blobs/uploads/`);
    const location = started.headers.location;
    if (started.status !== 202 || typeof location !== 'string') throw refused(`starting the upload of ${blob.digest}`, started);
    const url = new URL(location, `https://${e.name}:${e.port}`);
    url.searchParams.set('digest', blob.digest);
    const put = await call(e, 'PUT', url.pathname + url.search, blob.data);
    if (put.status !== 201) throw refused(`uploading ${blob.digest}`, put);
  }
  const put = await call(e, 'PUT', `/v2/${CANARY_REPO}/manifests/${canary.tag}`, manifest.data, OCI_MANIFEST);
  if (put.status !== 201) throw refused(`the canary's manifest`, put);
  return `${e.name}:${e.port}/${CANARY_REPO}:${canary.tag}`;
}

/** Deletes the canary's manifest; a registry without deletion keeps it (said, not failed). */
export async function deleteCanary(e: ControllerEndpoint, canary: Canary): Promise<string> {
  const r = await call(e, 'DELETE', `/v2/${CANARY_REPO}/manifests/${canary.manifestDigest}`);
  if (r.status === 202) return 'removed from the registry';
  if (r.status === 405) return 'left in the registry: deletion is not enabled there (storage.delete.enabled)';
  return `left in the registry: it answered ${r.status}`;
}

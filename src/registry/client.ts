// What `play registry` asks the registry: the catalog and tag lists (paginated: `?n=…&last=…`,
// following `Link: <…>; rel="next"`), a tag's digest (HEAD with the Accept headers of every
// manifest kind), and manifest deletion by digest.
import { curlRequest, parseResponse, type Endpoint, type Exec, type HttpRequest, type HttpResponse } from './http.js';

export const MANIFEST_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
];

const PAGE = 100;

/** The registry said no; `status` and the registry's error code say why. */
export class RegistryError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code?: string,
  ) {
    super(message);
  }
}

export class RegistryClient {
  constructor(
    private readonly endpoint: Endpoint,
    private readonly exec: Exec,
  ) {}

  private async call(r: HttpRequest): Promise<HttpResponse> {
    const { command, stdin } = curlRequest(this.endpoint, r);
    const res = parseResponse(await this.exec(command, stdin));
    if (res.status === 401) throw new RegistryError(`the registry refused user ${this.endpoint.user} (401): check registry_users / --user`, 401, 'UNAUTHORIZED');
    return res;
  }

  /** Every page of a list endpoint, following rel="next". */
  private async pages(first: string, key: 'repositories' | 'tags', what: string): Promise<string[]> {
    const out: string[] = [];
    let path: string | undefined = first;
    while (path) {
      const res = await this.call({ method: 'GET', path });
      if (res.status !== 200) throw errorOf(res, what);
      out.push(...((JSON.parse(res.body) as Record<string, string[] | null>)[key] ?? []));
      path = nextLink(res.headers.get('link'));
    }
    return out;
  }

  catalog(): Promise<string[]> {
    return this.pages(`/v2/_catalog?n=${PAGE}`, 'repositories', 'the catalog');
  }

  /** Sorted here: not every registry returns them in the lexical order the spec asks for. */
  async tags(repo: string): Promise<string[]> {
    return (await this.pages(`/v2/${repo}/tags/list?n=${PAGE}`, 'tags', `repository ${repo}`)).sort();
  }

  /** The digest a tag (or digest) names, as the registry computes it for the manifest it stores. */
  async digest(repo: string, reference: string): Promise<string> {
    const res = await this.call({ method: 'HEAD', path: `/v2/${repo}/manifests/${reference}`, accept: MANIFEST_TYPES });
    const digest = res.headers.get('docker-content-digest');
    if (res.status === 200 && digest) return digest;
    throw errorOf(res, `${repo}${reference.includes(':') ? '@' : ':'}${reference}`);
  }

  /**
   * True while the registry refuses writes: in maintenance read-only mode it has no PUT handler
   * (405, `Allow: GET, HEAD`). The probe is an invalid manifest, so a writable registry refuses it
   * too and stores nothing.
   */
  async readOnly(): Promise<boolean> {
    const res = await this.call({ method: 'PUT', path: '/v2/regplay-gc/probe/manifests/read-only-check', body: { type: MANIFEST_TYPES[1]!, text: '{}' } });
    return res.status === 405 && !/PUT/.test(res.headers.get('allow') ?? '');
  }

  async deleteManifest(repo: string, digest: string): Promise<void> {
    const res = await this.call({ method: 'DELETE', path: `/v2/${repo}/manifests/${digest}` });
    if (res.status === 202) return;
    if (res.status === 405) throw new RegistryError('the registry does not allow deletion (storage.delete.enabled is false in its config)', 405, 'UNSUPPORTED');
    throw errorOf(res, `${repo}@${digest}`);
  }
}

/** The path of a `Link: </v2/_catalog?last=x&n=100>; rel="next"` header. */
export function nextLink(link: string | undefined): string | undefined {
  const m = link ? /<([^>]+)>\s*;\s*rel="?next"?/.exec(link) : null;
  if (!m) return undefined;
  const url = m[1]!;
  return url.startsWith('/') ? url : new URL(url).pathname + new URL(url).search;
}

function errorOf(res: HttpResponse, what: string): RegistryError {
  let code: string | undefined;
  let message = '';
  try {
    const e = (JSON.parse(res.body) as { errors?: Array<{ code?: string; message?: string }> }).errors?.[0];
    code = e?.code;
    message = e?.message ?? '';
  } catch {
    // HEAD and some errors have no body
  }
  if (res.status === 404) return new RegistryError(`${what}: not found${code ? ` (${code})` : ''}`, 404, code);
  return new RegistryError(`${what}: the registry answered ${res.status}${code ? ` ${code}` : ''}${message ? `: ${message}` : ''}`, res.status, code);
}

// The registry's HTTP API, spoken by curl on a host that trusts the registry: the URL, method,
// headers and the credential travel in curl's config on stdin (`-K -`), never on a command line.
import { quote } from '../transports/shell.js';
import type { ExecResult } from '../transports/types.js';

export interface HttpRequest {
  method: 'GET' | 'HEAD' | 'DELETE' | 'PUT';
  /** Path and query under https://name:port, e.g. /v2/_catalog?n=100. */
  path: string;
  accept?: string[];
  /** A request body (PUT) and its type. */
  body?: { type: string; text: string };
}

export interface HttpResponse {
  status: number;
  headers: Map<string, string>;
  body: string;
}

export interface Endpoint {
  name: string;
  port: number;
  caFile: string;
  user: string;
  password: string;
}

export type Exec = (command: string, stdin: string) => Promise<ExecResult>;

/** A reply that is not HTTP at all: the registry could not be reached (DNS, TCP, TLS). */
export class RegistryUnreachable extends Error {}

const configValue = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

export function curlRequest(e: Endpoint, r: HttpRequest): { command: string; stdin: string } {
  const lines = [
    `url = ${configValue(`https://${e.name}:${e.port}${r.path}`)}`,
    `user = ${configValue(`${e.user}:${e.password}`)}`,
    r.method === 'HEAD' ? 'head' : `request = ${configValue(r.method)}`,
    ...(r.accept ?? []).map((a) => `header = ${configValue(`Accept: ${a}`)}`),
    ...(r.body ? [`header = ${configValue(`Content-Type: ${r.body.type}`)}`, `data-binary = ${configValue(r.body.text)}`] : []),
  ];
  return { command: `curl -sS -i --max-time 30 --cacert ${quote(e.caFile)} -K -`, stdin: `${lines.join('\n')}\n` };
}

/** curl -i output: the last status line and headers block (after any 100 Continue), then the body. */
export function parseResponse(r: ExecResult): HttpResponse {
  if (r.code !== 0 || !/^HTTP\//.test(r.stdout)) throw new RegistryUnreachable(r.stderr.trim().split('\n').pop() || `curl exit ${r.code}`);
  let rest = r.stdout;
  for (;;) {
    const end = rest.search(/\r?\n\r?\n/);
    const head = end < 0 ? rest : rest.slice(0, end);
    const body = end < 0 ? '' : rest.slice(end).replace(/^\r?\n\r?\n/, '');
    const status = Number(/^HTTP\/[\d.]+ (\d{3})/.exec(head)?.[1]);
    if (status === 100 && /^HTTP\//.test(body)) {
      rest = body;
      continue;
    }
    const headers = new Map<string, string>();
    for (const line of head.split(/\r?\n/).slice(1)) {
      const i = line.indexOf(':');
      if (i > 0) headers.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
    }
    return { status, headers, body };
  }
}

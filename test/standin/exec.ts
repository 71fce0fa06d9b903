// Kubernetes API stand-in: `kubectl exec` (the pods/exec subresource) as kubectl 1.30+ speaks it to
// a real API server: a WebSocket upgrade of `GET …/pods/<name>/exec?command=…&container=…&stdout=true
// &stderr=true` with subprotocol v5.channel.k8s.io (client-go tools/remotecommand/websocket.go). Every
// binary message starts with its channel: 1 stdout, 2 stderr, 3 the result as a metav1.Status
// (Success, or Failure with reason NonZeroExitCode and an ExitCode cause, which kubectl turns into its
// own exit code); then a normal close (1000). SPDY, which kubectl falls back to when the upgrade is
// refused, is not served: its upgrade gets the same refusal. No stdin and no TTY (nothing here needs them).
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Obj } from './store.js';

export const EXEC_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];

export interface ExecRequest {
  namespace: string;
  pod: string;
  container: string | undefined;
  command: string[];
}

export interface ExecStreams {
  stdout(chunk: Buffer): void;
  stderr(chunk: Buffer): void;
}

export interface ExecHost {
  getPod(namespace: string, name: string): Obj | undefined;
  /** Runs the command in the pod's container; resolves to its exit code. Throws ExecError when it cannot start. */
  exec(pod: Obj, container: string, command: string[], streams: ExecStreams): Promise<number>;
}

/** The command could not be started (a real runtime's "executable file not found", no such container). */
export class ExecError extends Error {}

const EXEC_PATH = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/exec\/?$/;

/** Parses an exec upgrade request; undefined when the path is not pods/exec. */
export function parseExec(url: URL): ExecRequest | { refused: string } | undefined {
  const m = EXEC_PATH.exec(url.pathname);
  if (!m) return undefined;
  const q = url.searchParams;
  const yes = (k: string) => q.get(k) === 'true' || q.get(k) === '1';
  if (yes('stdin') || yes('tty')) return { refused: 'the Kubernetes API stand-in runs exec without stdin and without a TTY' };
  const command = q.getAll('command');
  if (!command.length) return { refused: 'you must specify at least 1 command' };
  return { namespace: decodeURIComponent(m[1]!), pod: decodeURIComponent(m[2]!), container: q.get('container') ?? undefined, command };
}

function status(code: number, reason: string, message: string): string {
  return JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });
}

function refuse(socket: Duplex, code: number, reason: string, message: string): void {
  const body = status(code, reason, message);
  const text = code === 404 ? 'Not Found' : code === 400 ? 'Bad Request' : 'Internal Server Error';
  socket.end(`HTTP/1.1 ${code} ${text}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

/** Handles the server's 'upgrade' event: pods/exec over WebSocket, anything else refused. */
export function execUpgradeHandler(host: ExecHost, log: (line: string) => void) {
  const wss = new WebSocketServer({ noServer: true, handleProtocols: (offered) => EXEC_PROTOCOLS.find((p) => offered.has(p)) ?? false });
  return (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const url = new URL(req.url ?? '/', 'http://standin');
    const parsed = parseExec(url);
    if (!parsed) return refuse(socket, 404, 'NotFound', 'the server could not find the requested resource');
    if ('refused' in parsed) return refuse(socket, 400, 'BadRequest', parsed.refused);
    const isWebSocket = req.method === 'GET' && /websocket/i.test(String(req.headers.upgrade ?? ''));
    if (!isWebSocket) return refuse(socket, 400, 'BadRequest', `the Kubernetes API stand-in serves exec over WebSocket (${EXEC_PROTOCOLS.join(', ')}) only, not ${req.headers.upgrade ?? 'a plain request'}`);
    const offered = String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((s) => s.trim());
    if (!EXEC_PROTOCOLS.some((p) => offered.includes(p))) return refuse(socket, 400, 'BadRequest', `none of the offered subprotocols (${offered.join(', ') || 'none'}) is served: ${EXEC_PROTOCOLS.join(', ')}`);
    const pod = host.getPod(parsed.namespace, parsed.pod);
    if (!pod) return refuse(socket, 404, 'NotFound', `pods "${parsed.pod}" not found`);
    const containers: Obj[] = pod.spec?.containers ?? [];
    const container = parsed.container ?? containers[0]?.name;
    if (!containers.some((c) => c.name === container)) return refuse(socket, 400, 'BadRequest', `container ${container} is not valid for pod ${parsed.pod}`);
    wss.handleUpgrade(req, socket, head, (ws) => void run(ws, host, pod, container!, parsed.command, log));
  };
}

async function run(ws: WebSocket, host: ExecHost, pod: Obj, container: string, command: string[], log: (line: string) => void): Promise<void> {
  const send = (channel: number, data: Buffer | string) => ws.send(Buffer.concat([Buffer.from([channel]), Buffer.isBuffer(data) ? data : Buffer.from(data)]));
  // the client's v5 CLOSE signal ([255, stream]) and anything else it sends: there is no stdin
  ws.on('message', () => undefined);
  log(`standin: exec in ${pod.metadata.namespace}/${pod.metadata.name} (${container}): ${JSON.stringify(command)}`);
  let result: string;
  try {
    const code = await host.exec(pod, container, command, { stdout: (c) => send(1, c), stderr: (c) => send(2, c) });
    result =
      code === 0
        ? JSON.stringify({ metadata: {}, status: 'Success' })
        : JSON.stringify({
            metadata: {},
            status: 'Failure',
            message: `command terminated with non-zero exit code: error executing command ${JSON.stringify(command)}, exit code ${code}`,
            reason: 'NonZeroExitCode',
            details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
          });
  } catch (e) {
    if (!(e instanceof ExecError)) throw e;
    result = status(500, 'InternalError', `Internal error occurred: error executing command in container: ${e.message}`);
  }
  send(3, result);
  ws.close(1000);
}

// The Kubernetes API stand-in's HTTP API in this process, on a free loopback port, without the
// stand-in kubelet (nothing runs): for tests of what the API accepts and refuses, through the real
// kubectl or plain HTTP.
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { kubeconfigFor } from '../standin/kubeconfig.js';
import { Api } from '../standin/server.js';
import { Store } from '../standin/store.js';

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export interface StandinApi {
  url: string;
  dir: string;
  /** The real kubectl against this stand-in. */
  kubectl(args: string[], stdin?: string): Promise<Run>;
  /** `kubectl apply --server-side`, as regplay's k8s-apply role runs it. */
  apply(objects: object[]): Promise<Run>;
  /** A raw request; the parsed JSON answer. */
  request(method: string, path: string, body?: object, contentType?: string): Promise<{ status: number; body: any }>;
  stop(): Promise<void>;
}

export async function startStandinApi(opts: { addons?: object[] } = {}): Promise<StandinApi> {
  const dir = mkdtempSync(join(tmpdir(), 'standin-api-'));
  const api = new Api({ store: new Store(join(dir, 'state')), stateDir: join(dir, 'state'), serviceIP: '127.0.0.1', serverAddress: '127.0.0.1:0', addons: opts.addons as Record<string, any>[] });
  api.bootstrap();
  const server = createServer((req, res) => void api.handle(req, res));
  // kubectl keeps connections open between its requests: as in main.ts, do not close them under it.
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, kubeconfigFor(url), { mode: 0o600 });
  const kubectl = (args: string[], stdin = ''): Promise<Run> =>
    new Promise((resolve) => {
      const child = spawn('kubectl', ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', (e) => resolve({ code: -1, stdout, stderr: `kubectl could not run: ${e.message}` }));
      child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
      child.stdin.on('error', () => {});
      child.stdin.end(stdin);
    });
  return {
    url,
    dir,
    kubectl,
    apply: (objects) =>
      kubectl(['apply', '--server-side', '--field-manager=regplay', '--force-conflicts', '-f', '-'], objects.map((o) => stringify(o)).join('---\n')),
    async request(method, path, body, contentType = 'application/json') {
      const r = await fetch(`${url}${path}`, { method, headers: { 'Content-Type': contentType }, body: body === undefined ? undefined : JSON.stringify(body) });
      return { status: r.status, body: await r.json() };
    },
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

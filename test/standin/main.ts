// Kubernetes API stand-in (tests and lab only; NOT a Kubernetes API server).
// Usage: node --import tsx test/standin/main.ts --listen 127.0.0.1:6443 --service-ip ADDR
//        --state-dir DIR [--kubeconfig-out PATH] [--registry-bin /usr/bin/docker-registry]
//        [--node-name NAME] [--addons DIR] [--also-listen ADDR:PORT]...
//        [--service-cidr CIDR --pod-cidr CIDR --node-ip ADDR]  (instead of --service-ip: Service VIPs
//        and pod network namespaces; only inside a lab host's network namespace)
//        --also-listen: more addresses serving the same API, as a real API server also listens on its
//        node's address (the kubeconfig written names --listen).
// Prints `standin ready` on stdout once listening.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { appendFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { Kubelet } from './kubelet.js';
import { execUpgradeHandler } from './exec.js';
import { PodNetwork } from './pod-network.js';
import { ServiceProxy } from './service-proxy.js';
import { kubeconfigFor } from './kubeconfig.js';
import { Api } from './server.js';
import { Store } from './store.js';

const { values } = parseArgs({
  options: {
    listen: { type: 'string', default: '127.0.0.1:6443' },
    'also-listen': { type: 'string', multiple: true, default: [] },
    'service-ip': { type: 'string' },
    // The node's address (pods' hostIP); defaults to --service-ip.
    'node-ip': { type: 'string' },
    // Cluster IPs from this range (the API server's --service-cluster-ip-range), routed by the
    // stand-in's kube-proxy; pods in their own network namespaces with addresses from --pod-cidr.
    'service-cidr': { type: 'string' },
    'pod-cidr': { type: 'string' },
    'state-dir': { type: 'string' },
    'kubeconfig-out': { type: 'string' },
    'registry-bin': { type: 'string', default: '/usr/bin/docker-registry' },
    'node-name': { type: 'string', default: 'standin-node' },
    // Manifests (*.yaml) created at start when absent, like the add-ons kind and k3s install.
    addons: { type: 'string' },
  },
});

function fail(msg: string): never {
  process.stderr.write(`standin: ${msg}\n`);
  process.exit(2);
}

const stateDir = values['state-dir'] ?? fail('--state-dir is required');
const listen = values.listen!;
const serviceCidr = values['service-cidr'];
const podCidr = values['pod-cidr'];
if (!!serviceCidr !== !!podCidr) fail('--service-cidr and --pod-cidr go together');
const serviceIP = values['service-ip'] ?? (serviceCidr ? '' : fail('--service-ip (or --service-cidr and --pod-cidr) is required'));
const nodeIP = values['node-ip'] ?? (serviceIP || fail('--node-ip is required with --service-cidr'));
function hostPort(flag: string, address: string): { host: string; port: number } {
  const sep = address.lastIndexOf(':');
  const port = Number(address.slice(sep + 1));
  if (!Number.isInteger(port)) fail(`${flag} ${address}: expected HOST:PORT`);
  return { host: address.slice(0, sep) || '127.0.0.1', port };
}
const { host, port } = hostPort('--listen', listen);
const more = values['also-listen']!.map((a) => hostPort('--also-listen', a));

function podNetwork(): PodNetwork | undefined {
  if (!podCidr) return undefined;
  try {
    const n = new PodNetwork(podCidr);
    n.setUpNode();
    return n;
  } catch (e) {
    fail((e as Error).message);
  }
}

function readAddons(dir: string | undefined): Record<string, any>[] {
  if (!dir) return [];
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .flatMap((f) => parseAllDocuments(readFileSync(join(dir, f), 'utf8')).map((d) => d.toJS()))
    .filter((o) => o && typeof o === 'object');
}

const log = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);
const store = new Store(stateDir);
mkdirSync(`${stateDir}/pods`, { recursive: true });
let kubelet: Kubelet | undefined;
let proxy: ServiceProxy | undefined;
const api = new Api({
  store,
  stateDir,
  serviceIP,
  serviceCidr,
  serverAddress: listen,
  log,
  onChange: () => {
    kubelet?.queueSync();
    proxy?.queueSync();
  },
  onLog: (pod) => kubelet?.logOf(pod) ?? '',
  addons: readAddons(values.addons),
});
kubelet = new Kubelet({
  store,
  stateDir,
  nodeIP,
  podNetwork: podNetwork(),
  nodeName: values['node-name']!,
  registryBin: values['registry-bin']!,
  log,
  writeStatus: (o) => {
    api.writeStatus(o);
    proxy?.queueSync();
  },
});
api.bootstrap();

// Every write request (PATCH/POST/PUT/DELETE) as one line in <state-dir>/requests.log, so tests can
// prove that a run wrote nothing (dry runs count: they are write requests too). Never the body: it
// holds Secret data.
const requestLog = join(stateDir, 'requests.log');
const writeMethods = new Set(['PATCH', 'POST', 'PUT', 'DELETE']);
const oneLine = (s: string) => s.replace(/[\s]+/g, '_');
function logWrite(req: IncomingMessage): void {
  const method = req.method ?? '';
  if (!writeMethods.has(method)) return;
  const contentType = oneLine(String(req.headers['content-type'] ?? '-')) || '-';
  appendFileSync(requestLog, `${new Date().toISOString()} ${method} ${oneLine(req.url ?? '/')} ${contentType}\n`);
}

const handle = (req: IncomingMessage, res: ServerResponse) => {
  logWrite(req);
  void api.handle(req, res);
};
const onUpgrade = execUpgradeHandler(
  { getPod: (ns, name) => store.get('v1', 'Pod', ns, name), exec: (pod, container, command, streams) => kubelet!.exec(pod, container, command, streams) },
  log,
);
const server = createServer(handle).on('upgrade', onUpgrade);
server.keepAliveTimeout = 30_000;
const others = more.map(() => createServer(handle).on('upgrade', onUpgrade));
await Promise.all(
  others.map((o, i) => new Promise<void>((ok, no) => o.once('error', no).listen(more[i]!.port, more[i]!.host, () => ok()))),
).catch((e: Error) => fail(`--also-listen: ${e.message}`));
server.listen(port, host, () => {
  const addr = server.address();
  const actualPort = typeof addr === 'object' && addr ? addr.port : port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${actualPort}`;
  if (values['kubeconfig-out']) {
    mkdirSync(dirname(values['kubeconfig-out']), { recursive: true });
    writeFileSync(values['kubeconfig-out'], kubeconfigFor(url), { mode: 0o600 });
  }
  log(`Kubernetes API stand-in (not a real API server) listening on ${url}, state in ${stateDir}`);
  if (serviceCidr) {
    proxy = new ServiceProxy(() => ({ services: store.list('v1', 'Service'), pods: store.list('v1', 'Pod') }), log);
    try {
      proxy.start();
    } catch (e) {
      fail(`kube-proxy stand-in: ${(e as { stderr?: string }).stderr?.trim() || (e as Error).message}`);
    }
  }
  kubelet!.start();
  process.stdout.write(`standin ready ${url}\n`);
});

let stopping = false;
async function stop(signal: string) {
  if (stopping) return;
  stopping = true;
  log(`standin: ${signal}: stopping pods`);
  for (const s of [server, ...others]) {
    s.close();
    s.closeAllConnections();
  }
  await kubelet!.shutdown();
  process.exit(0);
}
process.on('SIGTERM', () => void stop('SIGTERM'));
process.on('SIGINT', () => void stop('SIGINT'));

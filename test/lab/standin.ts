// Starts the Kubernetes API stand-in (test/standin) inside the control-plane host, in the background.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './paths.js';
import { PATH, sleep } from './run.js';

export const standinMain = join(repoRoot, 'test', 'standin', 'main.ts');
export const standinKubeconfig = '/root/.kube/config';
export const standinStateDir = '/var/lib/standin';
/** What the lab's cluster installs at start, as kind and k3s do: its default StorageClass. */
export const standinAddons = join(repoRoot, 'test', 'lab', 'cluster-addons');

export function checkStandinPresent(): void {
  if (!existsSync(standinMain)) {
    throw new Error(`lab: standin: true needs the Kubernetes API stand-in at ${standinMain}, which does not exist (yet)`);
  }
}

export async function startStandin(opts: { initPid: number; address: string; nodeName: string; podCidr: string; serviceCidr: string; logPath: string; timeoutMs?: number }): Promise<number> {
  checkStandinPresent();
  const log = openSync(opts.logPath, 'a');
  const args = ['-t', String(opts.initPid), '-n', '-m', '-u', `--wd=${repoRoot}`, '--', process.execPath, '--import', 'tsx', standinMain,
    '--listen', '127.0.0.1:6443', '--also-listen', `${opts.address}:6443`, '--node-ip', opts.address, '--node-name', opts.nodeName,
    '--service-cidr', opts.serviceCidr, '--pod-cidr', opts.podCidr, '--state-dir', standinStateDir, '--kubeconfig-out', standinKubeconfig, '--addons', standinAddons];
  const child = spawn('nsenter', args, { detached: true, stdio: ['ignore', log, log], env: { PATH, HOME: '/root', LANG: 'C.UTF-8' }, cwd: '/' });
  closeSync(log);
  let exited: string | undefined;
  child.on('exit', (code, sig) => (exited = `exited (${sig ?? code})`));
  child.unref();
  const deadline = Date.now() + (opts.timeoutMs ?? 20_000);
  while (Date.now() < deadline) {
    const text = readFileSync(opts.logPath, 'utf8');
    if (/standin ready/.test(text)) return child.pid!;
    if (exited) break;
    await sleep(50);
  }
  const tail = readFileSync(opts.logPath, 'utf8').split('\n').slice(-20).join('\n');
  if (!exited) child.kill('SIGKILL');
  throw new Error(`lab: the Kubernetes API stand-in ${exited ?? 'did not print "standin ready" within 20 s'}; last lines of ${opts.logPath}:\n${tail}`);
}

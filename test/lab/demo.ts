// `npm run lab`: the main job end to end. Brings the default lab up (with the Kubernetes API
// stand-in), runs `play site.yaml` against it twice (the second run must change nothing), prints
// the recaps, and leaves the lab up for a look around.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { labSupport, labUp, type Lab } from './index.js';
import { repoRoot } from './paths.js';
import { makeTestImage } from './image.js';

interface RunReport {
  exitCode: number;
  recap: Record<string, { ok: number; changed: number; unreachable: number; failed: number; skipped: number }>;
}

const name = 'default';
const registry = 'registry.lab:5000';
const say = (s: string): void => void process.stdout.write(`${s}\n`);

async function main(): Promise<number> {
  const support = labSupport();
  if (!support.ok) {
    say(`lab: cannot run here: ${support.reason}`);
    return 1;
  }
  if (buildIsStale()) {
    say('== building the runner (npm run build): dist/ is missing or older than the sources');
    if ((await stream('npm', ['run', '--silent', 'build'])) !== 0) {
      say('lab: the build failed (see above); fix it and run `npm run lab` again');
      return 1;
    }
  }
  const standinSupport = labSupport({ standin: true });
  const withStandin = standinSupport.ok;
  if (!standinSupport.ok) say(`lab: warning: no Kubernetes API stand-in (${standinSupport.reason}): the Kubernetes plays will fail`);

  const started = Date.now();
  say(`== lab ${name}: bringing up cp1 (control plane), w1 w2 (workers), b1 (build)${withStandin ? ' and the Kubernetes API stand-in on cp1' : ''}`);
  const lab = await labUp({ name, standin: withStandin, persist: true });
  say(`   up in ${((Date.now() - started) / 1000).toFixed(1)} s: ${Object.values(lab.hosts).map((h) => `${h.name}=${h.address}`).join(' ')}`);
  const password = demoPassword(lab);
  writeGroupVars(lab);

  const first = await play(lab, 1, password);
  if (first.exitCode === 3 || first.exitCode === 1) {
    say('');
    say(`== run 1 stopped before changing anything (exit ${first.exitCode}: ${first.exitCode === 3 ? 'bad input' : 'internal error'}); not running it again.`);
    say(`   The lab is still up: fix the input and run \`npm run lab\` again, or \`npm run lab:down\`.`);
    return 1;
  }
  const second = await play(lab, 2, password);

  const proof = first.exitCode === 0 && second.exitCode === 0 ? await useTheRegistry(lab, password) : 'skipped (a run failed)';

  say('');
  say('== summary');
  say(`   run 1: exit ${first.exitCode}, changed=${total(first, 'changed')}`);
  say(`   run 2: exit ${second.exitCode}, changed=${total(second, 'changed')}${verdict(first, second)}`);
  say(`   registry: ${proof}`);
  say('');
  say(`The lab is still up. Inventory: ${lab.inventoryPath}`);
  say(`  ssh into a host:   ssh ${lab.sshOptions().slice(0, 4).join(' ')} root@${lab.hosts.w1?.address ?? Object.values(lab.hosts)[0]!.address}`);
  say(`  run again:         REGPLAY_DEMO_PASSWORD=$(cat ${join(lab.dir, 'demo-password')}) node bin/play.js site.yaml -i ${lab.inventoryPath}`);
  say('  status:            npm run lab:status');
  say('  tear it down:      npm run lab:down');
  const ok = first.exitCode === 0 && second.exitCode === 0 && total(second, 'changed') === 0;
  return ok ? 0 : 1;
}

/** What the playbook is for: b1 pushes an image by name over TLS with its login, w1 sees it. */
async function useTheRegistry(lab: Lab, password: string): Promise<string> {
  say('');
  say('== using the registry: b1 pushes with skopeo (trust from /etc/docker/certs.d, login from ~/.docker/config.json)');
  const image = makeTestImage(join(lab.dir, 'image'));
  const push = await lab.exec('b1', `skopeo copy ${image.ref} docker://${registry}/demo/hello:1`);
  if (push.code !== 0) return `push from b1 failed: ${push.stderr.trim() || push.stdout.trim()}`;
  say(`   pushed ${registry}/demo/hello:1 from b1`);
  const ca = `/etc/containerd/certs.d/${registry}/ca.crt`;
  const seen = await lab.exec('w1', `curl -sS --fail --cacert ${ca} -K - https://${registry}/v2/_catalog`, {
    stdin: `user = "demo:${password.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"\n`,
  });
  if (seen.code !== 0) return `w1 could not list the registry: ${seen.stderr.trim()}`;
  say(`   w1 lists the registry over TLS (CA from containerd's certs.d) with the demo user: ${seen.stdout.trim()}`);
  return `b1 pushed ${registry}/demo/hello:1, w1 sees it`;
}

function buildIsStale(): boolean {
  const built = join(repoRoot, 'dist', 'src', 'cli', 'main.js');
  if (!existsSync(built)) return true;
  const builtAt = statSync(built).mtimeMs;
  const newer = (dir: string): boolean =>
    existsSync(dir) && readdirSync(dir, { recursive: true, encoding: 'utf8' }).some((f) => f.endsWith('.ts') && statSync(join(dir, f)).mtimeMs > builtAt);
  return ['src', 'roles'].some((d) => newer(join(repoRoot, d)));
}

function demoPassword(lab: Lab): string {
  const file = join(lab.dir, 'demo-password');
  const password = process.env.REGPLAY_DEMO_PASSWORD || randomBytes(12).toString('base64url');
  writeFileSync(file, password + '\n', { mode: 0o600 });
  return password;
}

function writeGroupVars(lab: Lab): void {
  const dir = join(lab.dir, 'group_vars');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'all.yaml'), [
    '# Demo variables for the lab (written by test/lab/demo.ts).',
    'registry_name: registry.lab',
    'registry_port: 5000',
    'registry_users:',
    '  - name: demo',
    '    password: !env REGPLAY_DEMO_PASSWORD',
    '# The stand-in wrote this kubeconfig on cp1; it has no storage classes, so the registry keeps its',
    '# images in a hostPath volume on the node.',
    'kubeconfig: /root/.kube/config',
    'registry_storage_kind: hostpath',
    'registry_storage_host_path: /var/lib/registry-data',
    'registry_storage_size: 2Gi',
    'registry_rollout_timeout: 60',
    '# Lab hosts have no systemd: the lab\'s service shim restarts containerd.',
    'containerd_restart_command: [service, containerd, restart]',
    '',
  ].join('\n'));
  writeFileSync(join(dir, 'build.yaml'), [
    '# In the lab the Service\'s cluster IP is cp1\'s bridge address, which the build host can reach.',
    'dns_hosts_ip_source: cluster_ip',
    '',
  ].join('\n'));
}

async function play(lab: Lab, n: number, password: string): Promise<RunReport> {
  say('');
  say(`== run ${n}: node bin/play.js site.yaml -i ${lab.inventoryPath}`);
  const json = join(lab.dir, `run-${n}.json`);
  const code = await stream(process.execPath, [join(repoRoot, 'bin', 'play.js'), 'site.yaml', '-i', lab.inventoryPath, '--json', json], {
    REGPLAY_DEMO_PASSWORD: password,
  });
  try {
    const report = JSON.parse(readFileSync(json, 'utf8')) as RunReport;
    return { exitCode: code, recap: report.recap ?? {} };
  } catch {
    say(`   (no JSON report from run ${n}: the runner stopped before the end, exit ${code})`);
    return { exitCode: code, recap: {} };
  }
}

function verdict(first: RunReport, second: RunReport): string {
  if (first.exitCode !== 0 || second.exitCode !== 0) return ' (a run failed: see the errors above; the lab is left up to look into it)';
  return total(second, 'changed') === 0 ? ' (converged: nothing left to change)' : ' (NOT idempotent: the second run changed something)';
}

function total(r: RunReport, key: 'changed'): number | string {
  const hosts = Object.values(r.recap);
  return hosts.length ? hosts.reduce((s, h) => s + h[key], 0) : '?';
}

function stream(cmd: string, args: string[], env: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: repoRoot, stdio: 'inherit', env: { ...process.env, ...env } });
    child.on('error', (e) => {
      say(`lab: cannot run ${cmd}: ${e.message}`);
      resolve(127);
    });
    child.on('close', (code) => resolve(code ?? 1));
  });
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    say(`lab: ${e instanceof Error ? e.message : String(e)}`);
    say('clean up with: npm run lab:down');
    process.exit(1);
  },
);

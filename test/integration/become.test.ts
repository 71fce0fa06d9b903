// `become: true` (sudo) and ssh-agent authentication on a real lab host, through the CLI.
// b1 gets an unprivileged user `deploy` (login by the lab key, `NOPASSWD: ALL` in a sudoers drop-in,
// every sudo command logged to /var/log/sudo.log). As deploy with become the runner writes
// root-owned files (/etc/hosts, a secret /root/.docker/config.json); without become the same run
// fails with a permission error. The sudo log proves the secret never was on a command line.
// Then the same inventory without ssh_key: the key comes from an ssh-agent (SSH_AUTH_SOCK) only.
import test from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { labSupport, labUp, type Lab } from '../lab/index.js';
import { missing, serialUnless } from '../helpers/lab-test.js';
import { run as runProgram } from '../lab/run.js';
import { runPlayReported, type PlayResult } from '../helpers/play.js';

const support = labSupport();
// Without lab support every test is skipped (in CI: failed) with the reason in its title (test/helpers/lab-test.ts).
const serial = serialUnless(missing(support));

const NAME = 'registry.lab';
const PORT = 5000;
const IP = '192.0.2.10'; // only written into /etc/hosts: never contacted
const AGENT_IP = '192.0.2.20';
const PASSWORD = 'deploy-Become-pw-4e7a19';
const AUTH = Buffer.from(`ci:${PASSWORD}`).toString('base64');
const CA = '-----BEGIN CERTIFICATE-----\nbGFiIENBIGZvciB0aGUgYmVjb21lIHRlc3Q=\n-----END CERTIFICATE-----\n';
const env = { BECOME_PW: PASSWORD };

let lab: Lab;
let work: string;
let agent: ChildProcess | undefined;

const PLAYBOOK = `- name: root-owned files through sudo
  hosts: build
  roles:
    - dns-hosts
    - docker-trust
`;

interface Run extends PlayResult {
  report: { recap: Record<string, { changed: number; failed: number; unreachable: number }>; events: Array<{ status?: string; error?: string }> };
}

function inventory(file: string, b1: Record<string, unknown>): string {
  const path = join(work, file);
  const vars = {
    registry_name: NAME,
    registry_port: PORT,
    registry_ip: IP,
    registry_ca_pem: CA,
    docker_login_user: 'ci',
  };
  const text = stringify({ all: { vars, children: { build: { hosts: { b1 } } } } });
  // The password is a Secret: `!env`, never plain text in the inventory.
  writeFileSync(path, text.replace('docker_login_user: ci\n', 'docker_login_user: ci\n    docker_login_password: !env BECOME_PW\n'));
  return path;
}

function deployHost(extra: Record<string, unknown>): Record<string, unknown> {
  return { host: lab.address('b1'), port: 22, user: 'deploy', known_hosts: lab.knownHostsPath, ...extra };
}

function play(inv: string, args: string[] = [], runEnv: NodeJS.ProcessEnv = {}): Promise<Run> {
  return runPlayReported([join(work, 'become.yaml'), '-i', inv, ...args], { dir: work, env: { ...env, ...runEnv }, secrets: [PASSWORD, AUTH], empty: { recap: {}, events: [] } });
}

const output = (r: Run) => `exit ${r.code}\n${r.stdout}\n${r.stderr}\n${r.report.events.filter((e) => e.error).map((e) => e.error).join('\n')}`;
const stat = async (path: string) => (await lab.sh('b1', `stat -c '%U:%G %a' ${path}`)).trim();
const hostsLine = (ip: string) => new RegExp(`^${ip.replaceAll('.', '\\.')}\\s+${NAME.replace('.', '\\.')}$`, 'm');

test.before(async () => {
  if (!support.ok) return;
  work = mkdtempSync(join(tmpdir(), 'become-'));
  writeFileSync(join(work, 'become.yaml'), PLAYBOOK); // no roles/ beside it: the repository's roles
  lab = await labUp({ name: 'become', hosts: { b1: ['build'] } });
  // deploy: home in b1's private /srv (not the machine's /home), login by the lab key only.
  // `-p '*'`: no password, but not a locked account (sshd without PAM refuses locked ones).
  await lab.sh('b1', "useradd -M -d /srv/deploy -s /bin/sh -p '*' deploy && mkdir -p /srv/deploy/.ssh");
  await lab.writeFile('b1', '/srv/deploy/.ssh/authorized_keys', readFileSync(`${lab.keyPath}.pub`, 'utf8'), 0o600);
  await lab.sh('b1', 'chown -R deploy:deploy /srv/deploy && chmod 700 /srv/deploy/.ssh');
  await lab.writeFile('b1', '/etc/sudoers.d/deploy', 'deploy ALL=(ALL) NOPASSWD: ALL\n', 0o440);
  await lab.writeFile('b1', '/etc/sudoers.d/zz-log', 'Defaults:deploy logfile=/var/log/sudo.log, loglinelen=0, !syslog\n', 0o440);
  await lab.sh('b1', 'visudo -cf /etc/sudoers.d/deploy && visudo -cf /etc/sudoers.d/zz-log && visudo -c');
});

test.after.always(async () => {
  if (agent?.pid && agent.exitCode === null) process.kill(agent.pid, 'SIGTERM');
  await lab?.down();
  if (work) rmSync(work, { recursive: true, force: true });
});

serial('the lab user: deploy logs in with the lab key, is not root, and sudo -n works without a password', async (t) => {
  const r = await runProgram('ssh', [...lab.sshOptions(), `deploy@${lab.address('b1')}`, 'id -un; sudo -n id -un']);
  t.is(r.code, 0, r.stderr);
  t.deepEqual(r.stdout.trim().split('\n'), ['deploy', 'root']);
});

serial('without become: deploy cannot write the root-owned files; exit 2 with a permission error, nothing changed', async (t) => {
  const before = await lab.sh('b1', 'stat -c %Y.%i /etc/hosts; sha256sum /etc/hosts');
  const r = await play(inventory('inv-no-become.yaml', deployHost({ ssh_key: lab.keyPath })));
  t.is(r.code, 2, output(r));
  t.is(r.report.recap.b1?.failed, 1, output(r));
  t.regex(output(r), /permission denied|not readable by the remote user/i);
  t.regex(output(r), /\/etc\/hosts/);
  t.is(await lab.sh('b1', 'stat -c %Y.%i /etc/hosts; sha256sum /etc/hosts'), before);
  t.notRegex((await lab.readFile('b1', '/etc/hosts'))!, hostsLine(IP));
});

serial('become: true as deploy: root-owned /etc/hosts line and 0600 docker login; second run changed=0', async (t) => {
  const inv = inventory('inv-become.yaml', deployHost({ ssh_key: lab.keyPath, become: true }));
  const first = await play(inv);
  t.is(first.code, 0, output(first));
  t.true((first.report.recap.b1?.changed ?? 0) > 0, output(first));

  const hosts = (await lab.readFile('b1', '/etc/hosts'))!;
  t.regex(hosts, hostsLine(IP));
  t.regex(hosts, /localhost/, 'the other lines are kept');
  t.is(await stat('/etc/hosts'), 'root:root 644');
  t.is(await stat('/etc/docker/certs.d/registry.lab:5000/ca.crt'), 'root:root 644');
  t.is(await stat('/root/.docker/config.json'), 'root:root 600');
  t.is(JSON.parse((await lab.readFile('b1', '/root/.docker/config.json'))!).auths['registry.lab:5000'].auth, AUTH);

  const second = await play(inv);
  t.is(second.code, 0, output(second));
  t.is(second.report.recap.b1?.changed, 0, output(second));
});

serial('become: sudo ran every command, and the secret reached the host on stdin only (never in a sudo command line)', async (t) => {
  const log = (await lab.readFile('b1', '/var/log/sudo.log')) ?? '';
  t.regex(log, /deploy : .*USER=root ; COMMAND=\/usr\/bin\/sh -c '?sh -s'?$/m, 'the apply script went through sudo');
  t.false(log.includes(PASSWORD), 'the password is not in any sudo command line');
  t.false(log.includes(AUTH), 'the base64 auth is not in any sudo command line');
  t.false(log.includes(Buffer.from(`ci:${PASSWORD}`).toString('hex')), 'nor hex-encoded');
  const sshd = (await lab.readFile('b1', '/var/log/sshd.log')) ?? '';
  t.false(sshd.includes(PASSWORD) || sshd.includes(AUTH));
});

serial('ssh-agent: no ssh_key in the inventory, SSH_AUTH_SOCK set: connects, converges, second run changed=0', async (t) => {
  const sock = join(work, 'agent.sock');
  agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
  for (let i = 0; i < 100 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 50));
  t.true(existsSync(sock), 'ssh-agent listens');
  const agentEnv = { SSH_AUTH_SOCK: sock };
  const add = await runProgram('ssh-add', [lab.keyPath], { env: { ...process.env, ...agentEnv } });
  t.is(add.code, 0, add.stderr);

  const inv = inventory('inv-agent.yaml', deployHost({ become: true }));
  t.false(readFileSync(inv, 'utf8').includes('ssh_key'));
  // A changed address so the agent run has something to do.
  const first = await play(inv, ['-e', `registry_ip=${AGENT_IP}`], agentEnv);
  t.is(first.code, 0, output(first));
  t.is(first.report.recap.b1?.changed, 1, output(first));
  t.regex((await lab.readFile('b1', '/etc/hosts'))!, hostsLine(AGENT_IP));
  const second = await play(inv, ['-e', `registry_ip=${AGENT_IP}`], agentEnv);
  t.is(second.code, 0, output(second));
  t.is(second.report.recap.b1?.changed, 0, output(second));

  // The agent was the only key: emptied, the same run is unreachable (exit 4) with an auth error.
  t.is((await runProgram('ssh-add', ['-D'], { env: { ...process.env, ...agentEnv } })).code, 0);
  const denied = await play(inv, ['-e', `registry_ip=${AGENT_IP}`], agentEnv);
  t.is(denied.code, 4, output(denied));
  t.regex(output(denied), /authentication failed for deploy@/);

  process.kill(agent.pid!, 'SIGTERM');
  await new Promise((r) => (agent!.exitCode !== null ? r(null) : agent!.once('exit', r)));
  agent = undefined;
});

serial('ssh_key with a stale SSH_AUTH_SOCK (dead socket): the key file still logs in', async (t) => {
  const inv = inventory('inv-stale-agent.yaml', deployHost({ ssh_key: lab.keyPath, become: true }));
  const r = await play(inv, ['-e', 'registry_ip=192.0.2.30'], { SSH_AUTH_SOCK: join(work, 'no-agent.sock') });
  t.is(r.code, 0, output(r));
  t.regex((await lab.readFile('b1', '/etc/hosts'))!, hostsLine('192.0.2.30'));
});

serial('docker_config_owner: deploy\'s own docker login is owned by deploy (not root), and a wrong owner is repaired alone', async (t) => {
  const inv = inventory('inv-owner.yaml', deployHost({ ssh_key: lab.keyPath, become: true }));
  const path = '/srv/deploy/.docker/config.json';
  const args = ['-e', 'registry_ip=192.0.2.30', '-e', `docker_config_path=${path}`, '-e', 'docker_config_owner=deploy', '-e', 'docker_config_group=deploy'];
  const first = await play(inv, args);
  t.is(first.code, 0, output(first));
  t.is(await stat(path), 'deploy:deploy 600');
  t.is(await stat('/srv/deploy/.docker'), 'deploy:deploy 755');
  // deploy itself, without sudo, reads its login.
  const asDeploy = await lab.exec('b1', `runuser -u deploy -- cat ${path}`);
  t.is(asDeploy.code, 0, asDeploy.stderr);
  t.is(JSON.parse(asDeploy.stdout).auths['registry.lab:5000'].auth, AUTH);

  const content = await lab.sh('b1', `sha256sum ${path}`);
  await lab.sh('b1', `chown root:root ${path}`);
  const repair = await play(inv, args);
  t.is(repair.code, 0, output(repair));
  t.is(repair.report.recap.b1?.changed, 1, output(repair));
  t.is(await stat(path), 'deploy:deploy 600');
  t.is(await lab.sh('b1', `sha256sum ${path}`), content, 'only the owner was changed');
  const again = await play(inv, args);
  t.is(again.report.recap.b1?.changed, 0, output(again));
});

serial('become where sudo wants a password: exit 2 with sudo\'s own refusal, nothing changed', async (t) => {
  await lab.writeFile('b1', '/etc/sudoers.d/deploy', 'deploy ALL=(ALL) ALL\n', 0o440);
  await lab.sh('b1', 'visudo -cf /etc/sudoers.d/deploy');
  const before = await lab.sh('b1', 'stat -c %Y.%i /etc/hosts; sha256sum /etc/hosts');
  const r = await play(inventory('inv-sudo-pw.yaml', deployHost({ ssh_key: lab.keyPath, become: true })), ['-e', 'registry_ip=192.0.2.31']);
  t.is(r.code, 2, output(r));
  t.regex(output(r), /sudo: a password is required/);
  t.is(await lab.sh('b1', 'stat -c %Y.%i /etc/hosts; sha256sum /etc/hosts'), before);
});

// sudo with a password: deploy gets one (its sudoers rule is `ALL` without NOPASSWD since the test above).
const SUDO_PW = "deploy's Sudo-pw 7c1e $x";

/** Every distinct command line of the machine's processes while `fn` runs (lab hosts share the process table). */
async function argvDuring<T>(fn: () => Promise<T>): Promise<{ result: T; argvs: Set<string> }> {
  const argvs = new Set<string>();
  let running = true;
  const sample = async () => {
    while (running) {
      for (const pid of await readdir('/proc').catch(() => [] as string[])) {
        if (!/^\d+$/.test(pid)) continue;
        const argv = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
        if (argv) argvs.add(argv.replaceAll('\0', ' '));
      }
    }
  };
  const sampler = sample();
  try {
    return { result: await fn(), argvs };
  } finally {
    running = false;
    await sampler;
  }
}

function sudoPwInventory(file: string, b1: Record<string, unknown>, password = '!env SUDO_PW'): string {
  const path = inventory(file, b1);
  writeFileSync(path, readFileSync(path, 'utf8').replace(/^(\s+)become: true\n/m, `$1become: true\n$1become_password: ${password}\n`));
  return path;
}

serial('become_password (!env): sudo -S gets it on stdin; converges, second run changed=0; the password is in no argv, log or output', async (t) => {
  await lab.sh('b1', `printf '%s\\n' ${JSON.stringify(`deploy:${SUDO_PW}`).replaceAll('$', '\\$')} | chpasswd`);
  const direct = await runProgram('ssh', [...lab.sshOptions(), `deploy@${lab.address('b1')}`, 'sudo -n true']);
  t.not(direct.code, 0, 'sudo really wants a password now');
  const inv = sudoPwInventory('inv-sudo-pw-ok.yaml', deployHost({ ssh_key: lab.keyPath, become: true }));
  t.regex(readFileSync(inv, 'utf8'), /become_password: !env SUDO_PW/);
  const pwEnv = { SUDO_PW };
  const { result: first, argvs } = await argvDuring(() => play(inv, ['-e', 'registry_ip=192.0.2.41'], pwEnv));
  t.is(first.code, 0, output(first));
  t.is(first.report.recap.b1?.changed, 1, output(first));
  t.regex((await lab.readFile('b1', '/etc/hosts'))!, hostsLine('192.0.2.41'));
  t.is(await stat('/etc/hosts'), 'root:root 644');
  const second = await play(inv, ['-e', 'registry_ip=192.0.2.41'], pwEnv);
  t.is(second.code, 0, output(second));
  t.is(second.report.recap.b1?.changed, 0, output(second));

  // The sampler saw the sudo command lines (so it would have seen a password in one).
  t.true([...argvs].some((a) => a.startsWith("sudo -S -p  sh -c ")), [...argvs].filter((a) => a.includes('sudo')).join('\n'));
  t.false([...argvs].some((a) => a.includes(SUDO_PW) || a.includes('Sudo-pw')), 'the password is in no process argv');
  const log = (await lab.readFile('b1', '/var/log/sudo.log')) ?? '';
  t.regex(log, /deploy : .*USER=root ; COMMAND=\/usr\/bin\/sh -c /);
  t.false(log.includes('Sudo-pw'), 'not in the sudo log');
  t.false(((await lab.readFile('b1', '/var/log/sshd.log')) ?? '').includes('Sudo-pw'), 'not in the sshd log');
  t.false((first.stdout + first.stderr + second.stdout + second.stderr).includes('Sudo-pw'), 'not in the output');
});

serial('become_password with a NOPASSWD rule: sudo does not read it, the run still converges', async (t) => {
  await lab.writeFile('b1', '/etc/sudoers.d/deploy', 'deploy ALL=(ALL) NOPASSWD: ALL\n', 0o440);
  try {
    const inv = sudoPwInventory('inv-sudo-pw-nopasswd.yaml', deployHost({ ssh_key: lab.keyPath, become: true }));
    const r = await play(inv, ['-e', 'registry_ip=192.0.2.42'], { SUDO_PW });
    t.is(r.code, 0, output(r));
    t.regex((await lab.readFile('b1', '/etc/hosts'))!, hostsLine('192.0.2.42'));
  } finally {
    await lab.writeFile('b1', '/etc/sudoers.d/deploy', 'deploy ALL=(ALL) ALL\n', 0o440);
  }
});

serial('a wrong become_password: exit 2 with sudo\'s own refusal, nothing changed, the wrong password nowhere', async (t) => {
  const before = await lab.sh('b1', 'stat -c %Y.%i /etc/hosts; sha256sum /etc/hosts');
  const inv = sudoPwInventory('inv-sudo-pw-wrong.yaml', deployHost({ ssh_key: lab.keyPath, become: true }));
  const r = await play(inv, ['-e', 'registry_ip=192.0.2.43'], { SUDO_PW: 'Wrong-sudo-pw-51' });
  t.is(r.code, 2, output(r));
  t.regex(output(r), /incorrect password attempt/);
  t.false(output(r).includes('Wrong-sudo-pw-51'));
  t.is(await lab.sh('b1', 'stat -c %Y.%i /etc/hosts; sha256sum /etc/hosts'), before);
});

serial('become_password in plain text is bad input: exit 3, no connection', async (t) => {
  const sessions = async () => ((await lab.readFile('b1', '/var/log/sshd.log')) ?? '').split('\n').filter((l) => /Accepted publickey/.test(l)).length;
  const before = await sessions();
  const inv = sudoPwInventory('inv-sudo-pw-plain.yaml', deployHost({ ssh_key: lab.keyPath, become: true }), 'plain-text-pw');
  const r = await play(inv);
  t.is(r.code, 3, output(r));
  t.regex(r.stderr, /inv-sudo-pw-plain\.yaml:\d+:\d+: host b1: become_password must be a secret, not plain text\n\s+-> write it as `become_password: !env NAME`/);
  t.false(output(r).includes('plain-text-pw'));
  t.is(await sessions(), before);
});

serial('-u, --private-key and -b override the inventory: root without key or become in the file, deploy through sudo on the command line', async (t) => {
  const path = join(work, 'inv-root.yaml');
  writeFileSync(path, readFileSync(inventory('inv-root-base.yaml', { host: lab.address('b1'), port: 22, user: 'root', known_hosts: lab.knownHostsPath, become: false, become_password: 'SENTINEL' }), 'utf8').replace("become_password: SENTINEL", 'become_password: !env SUDO_PW'));
  t.notRegex(readFileSync(path, 'utf8'), /ssh_key/);
  const logBefore = ((await lab.readFile('b1', '/var/log/sudo.log')) ?? '').length;
  const r = await play(path, ['-u', 'deploy', '--private-key', lab.keyPath, '-b', '-e', 'registry_ip=192.0.2.44'], { SUDO_PW, SSH_AUTH_SOCK: '' });
  t.is(r.code, 0, output(r));
  t.regex((await lab.readFile('b1', '/etc/hosts'))!, hostsLine('192.0.2.44'));
  const log = ((await lab.readFile('b1', '/var/log/sudo.log')) ?? '').slice(logBefore);
  t.regex(log, /deploy : .*USER=root ; COMMAND=\/usr\/bin\/sh -c /, 'logged in as deploy, commands through sudo');
});

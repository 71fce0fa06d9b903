// Links planted by an unprivileged user are never followed as root (issue 12, src/engine/kinds/safe-path.ts),
// on real lab hosts through the CLI. Build hosts b1 and b2 each get a real user `ci` (useradd in the
// host's private /etc; home /srv/home/ci in the host's private /srv) whose docker login the
// docker-trust role writes as root: docker_config_path under ci's home, docker_config_owner ci.
// The user then plants `ln -s /etc ~/.docker` (and, later, a config.json linked to root's
// /etc/docker/daemon.json): the run fails that host naming the path and the link, /etc and the
// linked file are untouched, and the other host goes on.
import test, { type ExecutionContext } from 'ava';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labSupport, labUp, type Lab } from '../lab/index.js';
import { runPlayReported, type PlayResult } from '../helpers/play.js';
import { quote } from '../../src/transports/shell.js';

const support = labSupport();
const serial: (title: string, fn: (t: ExecutionContext) => Promise<void>) => void = support.ok
  ? (title, fn) => test.serial(title, fn)
  : (title, fn) => test.skip(`${title} (skipped: ${support.reason})`, fn);

const PASSWORD = 'ci-Planted-pw-5c21e8';
const AUTH = Buffer.from(`ci:${PASSWORD}`).toString('base64');
const CA = '-----BEGIN CERTIFICATE-----\nbGFiIENBIGZvciB0aGUgcGxhbnRlZCBsaW5rcyB0ZXN0\n-----END CERTIFICATE-----\n';
const HOME = '/srv/home/ci';
const CONFIG = `${HOME}/.docker/config.json`;
const HOSTS = ['b1', 'b2'];

const PLAYBOOK = `- name: build hosts log the build user in
  hosts: build
  roles:
    - docker-trust
`;
const GROUP_VARS = `registry_name: registry.lab
registry_port: 5000
registry_ca_pem: |
${CA.trimEnd()
  .split('\n')
  .map((l) => `  ${l}`)
  .join('\n')}
docker_login_user: ci
docker_login_password: !env PLANTED_PW
docker_config_path: ${CONFIG}
docker_config_owner: ci
docker_config_group: ci
`;

let lab: Lab;
let work: string;

interface Run extends PlayResult {
  report: { recap: Record<string, { changed: number; failed: number }>; events: Array<{ host?: string; status?: string; error?: string }> };
}

function play(args: string[] = []): Promise<Run> {
  return runPlayReported([join(work, 'planted.yaml'), '-i', join(work, 'inventory.yaml'), ...args], { dir: work, env: { PLANTED_PW: PASSWORD }, secrets: [PASSWORD], empty: { recap: {}, events: [] } });
}

const output = (r: Run) => `exit ${r.code}\n${r.stdout}\n${r.stderr}\n${r.report.events.filter((e) => e.error).map((e) => `${e.host}: ${e.error}`).join('\n')}`;
const errorsOf = (r: Run, host: string) => r.report.events.filter((e) => e.host === host && e.error).map((e) => e.error!);
/** As the user ci, in a login-less shell: what the user can do, nothing more. */
const asCi = (host: string, command: string) => lab.sh(host, `runuser -u ci -- sh -c ${quote(command)}`);
/** Owner, mode, mtime and entries of a directory, owner/mode/mtime/content of a file. */
const etcState = (host: string) => lab.sh(host, "stat -c '%U:%G %a %Y' /etc; ls -A /etc | sha256sum");
const fileState = (host: string, path: string) => lab.sh(host, `stat -c '%U:%G %a %Y %i' ${path}; sha256sum ${path}`);

test.before(async () => {
  if (!support.ok) return;
  work = mkdtempSync(join(tmpdir(), 'planted-'));
  writeFileSync(join(work, 'planted.yaml'), PLAYBOOK);
  lab = await labUp({ name: 'planted', hosts: { b1: ['build'], b2: ['build'] } });
  writeFileSync(join(work, 'inventory.yaml'), readFileSync(lab.inventoryPath, 'utf8'));
  mkdirSync(join(work, 'group_vars'));
  writeFileSync(join(work, 'group_vars', 'all.yaml'), GROUP_VARS);
  for (const host of HOSTS) {
    // A real unprivileged user, home in the host's private /srv (never the machine's /home).
    await lab.sh(host, `useradd -M -d ${HOME} -s /bin/sh ci && mkdir -p ${HOME} && chown ci:ci ${HOME} && chmod 0755 ${HOME}`);
  }
});

test.after.always(async () => {
  await lab?.down();
  if (work) rmSync(work, { recursive: true, force: true });
});

serial('the user ci is real and unprivileged, and owns its home', async (t) => {
  for (const host of HOSTS) {
    t.is((await asCi(host, 'id -u')).trim() === '0', false, host);
    t.is((await lab.sh(host, `stat -c %U ${HOME}`)).trim(), 'ci', host);
    t.not((await lab.exec(host, 'runuser -u ci -- sh -c ": > /etc/ci-can-write"')).code, 0, `${host}: ci cannot write /etc`);
  }
});

serial('the normal case: check touches nothing, apply writes ci’s config (ci:ci 0600), a second apply changes nothing', async (t) => {
  const check = await play(['--check', '--detailed-exitcode']);
  t.is(check.code, 8, output(check));
  for (const host of HOSTS) t.false(await lab.exec(host, `test -e ${HOME}/.docker`).then((r) => r.code === 0), `${host}: check created nothing`);
  const apply = await play();
  t.is(apply.code, 0, output(apply));
  for (const host of HOSTS) {
    t.is((await lab.sh(host, `stat -c '%U:%G %a' ${HOME}/.docker ${CONFIG}`)).trim(), 'ci:ci 755\nci:ci 600', host);
    t.is(JSON.parse((await asCi(host, `cat ${CONFIG}`)))?.auths?.['registry.lab:5000']?.auth, AUTH, `${host}: ci reads its own login`);
  }
  const again = await play();
  t.is(again.code, 0, output(again));
  for (const host of HOSTS) t.is(again.report.recap[host]?.changed, 0, `${host}: ${output(again)}`);
});

serial('ci plants `ln -s /etc ~/.docker` on b1: b1 fails naming the path and the link, /etc untouched; b2 goes on', async (t) => {
  await asCi('b1', `rm -rf ${HOME}/.docker && ln -s /etc ${HOME}/.docker`);
  await asCi('b2', `rm ${CONFIG}`); // b2 has work to do in the same run
  const before = await etcState('b1');
  const check = await play(['--check']);
  t.is(check.code, 2, `check mode reports the refusal too: ${output(check)}`);
  t.true(errorsOf(check, 'b1').join('\n').includes(`${HOME}/.docker is a symbolic link (to /etc) in ${HOME}`), output(check));
  const r = await play();
  t.is(r.code, 2, output(r));
  t.is(r.report.recap.b1?.failed, 1, output(r));
  const errors = errorsOf(r, 'b1').join('\n');
  t.true(errors.includes(`refusing ${HOME}/.docker: ${HOME}/.docker is a symbolic link (to /etc) in ${HOME}, a directory that users other than root can change`), errors);
  t.true(output(r).includes(`${HOME}/.docker is a symbolic link (to /etc)`), 'the message is in the run output');

  t.is(await etcState('b1'), before, '/etc: same owner, mode, mtime and entries');
  t.is((await lab.sh('b1', "stat -c '%U:%G %a' /etc")).trim(), 'root:root 755');
  t.is((await lab.exec('b1', 'test -e /etc/config.json')).code, 1, 'no config.json in /etc');
  t.is((await lab.sh('b1', `readlink ${HOME}/.docker`)).trim(), '/etc', 'the link itself is left as the user made it');

  t.is(r.report.recap.b2?.failed, 0, output(r));
  t.is(r.report.recap.b2?.changed, 1, output(r));
  t.is((await lab.sh('b2', `stat -c '%U:%G %a' ${CONFIG}`)).trim(), 'ci:ci 600', 'b2 was written in the same run');
});

serial('ci links ~/.docker/config.json to root’s /etc/docker/daemon.json on b1: the write is refused, daemon.json untouched', async (t) => {
  await lab.writeFile('b1', '/etc/docker/daemon.json', '{"log-level": "warn"}\n', 0o644);
  await asCi('b1', `rm ${HOME}/.docker && mkdir ${HOME}/.docker && ln -s /etc/docker/daemon.json ${CONFIG}`);
  const before = await fileState('b1', '/etc/docker/daemon.json');
  const r = await play(['--limit', 'b1']);
  t.is(r.code, 2, output(r));
  const errors = errorsOf(r, 'b1').join('\n');
  t.true(errors.includes(`refusing ${CONFIG}: ${CONFIG} is a symbolic link (to /etc/docker/daemon.json) in ${HOME}/.docker`), errors);
  t.is(await fileState('b1', '/etc/docker/daemon.json'), before, 'daemon.json: same owner root, mode 644, mtime, inode, content');
  t.notRegex(await lab.sh('b1', 'ls -A /etc/docker'), /\.regplay\./, 'no temp file in /etc/docker');
});

serial('once ci removes the link, b1 converges, and a second run changes nothing', async (t) => {
  await asCi('b1', `rm ${CONFIG}`);
  const r = await play();
  t.is(r.code, 0, output(r));
  t.is((await lab.sh('b1', `stat -c '%U:%G %a' ${CONFIG}`)).trim(), 'ci:ci 600');
  const again = await play();
  t.is(again.code, 0, output(again));
  for (const host of HOSTS) t.is(again.report.recap[host]?.changed, 0, host);
});

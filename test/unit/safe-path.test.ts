// Links planted by others are never followed as root (src/engine/kinds/safe-path.ts), on this machine
// through the real engine and LocalTransport (root): `home` is a directory of the unprivileged user
// nobody (as a home is), `etc` one of root's. Owner, mode, content and entries of `etc` prove that
// a refused step touched nothing through the link. The lab test (test/integration/planted-links)
// does the same with a real user on a lab host through the CLI.
import test from 'ava';
import { existsSync, linkSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync, chownSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import type { ExecutionContext } from 'ava';
import { atomicWriteSnippet, attributesSnippet, mkdirSnippet } from '../../src/engine/kinds/apply-file.js';
import type { Resource } from '../../src/resources/types.js';
import { LocalTransport } from '../../src/transports/local.js';
import { roleOf, run, threeRunsOn } from './executor-helpers.js';
import { NOBODY, plant, plantedScenes, type PlantedScene as Scene } from '../helpers/planted.js';

const scene = plantedScenes('regplay-planted-');

const local = () => new LocalTransport({ host: 'local' });
const root = process.getuid?.() === 0;
const rootTest = root ? test : test.skip;


/** Owner, mode, entries and file contents of a directory: equal before and after = untouched. */
function snapshot(dir: string): string {
  const s = statSync(dir);
  const entries = readdirSync(dir).map((n) => {
    const e = lstatSync(join(dir, n));
    return `${n} ${e.uid}:${e.gid} ${e.mode.toString(8)} ${e.isFile() ? readFileSync(join(dir, n), 'utf8') : ''}`;
  });
  return `${s.uid}:${s.gid} ${s.mode.toString(8)}\n${entries.join('\n')}`;
}

/**
 * The link is refused three times over: by the plan in check mode and in apply (the read found it),
 * and by the apply's own snippet run on its own (a link planted after the read: the guard that
 * holds when the read's answer is stale).
 */
async function refusedEverywhere(t: ExecutionContext, resource: Resource, message: string): Promise<void> {
  for (const check of [true, false]) {
    const r = await run(local(), roleOf(() => [resource]), check);
    t.is(r.outcome.failed, 1, `${check ? 'check' : 'apply'}: ${JSON.stringify(r.steps)}`);
    t.true((r.steps[0]?.error ?? '').includes(message), `${check ? 'check' : 'apply'}: ${r.steps[0]?.error}`);
  }
  const snippet =
    resource.kind === 'directory'
      ? mkdirSnippet(resource.path, resource.mode, resource.owner, resource.group)
      : resource.kind === 'file'
        ? atomicWriteSnippet({ path: resource.path, content: String(resource.content ?? ''), mode: resource.mode ?? '0644', owner: resource.owner, group: resource.group }, '@@t')
        : '';
  const direct = spawnSync('sh', ['-s'], { input: snippet, encoding: 'utf8' });
  t.not(direct.status, 0, 'the apply snippet alone refuses too');
  t.true(direct.stderr.includes(message), `apply snippet: ${direct.stderr}`);
}

const dockerConfig = (s: Scene): Resource[] => [
  { kind: 'directory', path: join(s.home, '.docker'), owner: 'nobody', group: 'nogroup' },
  { kind: 'file', path: join(s.home, '.docker', 'config.json'), content: '{"auths":{}}\n', mode: '0600', owner: 'nobody', group: 'nogroup' },
];

rootTest('ln -s etc ~/.docker by the user: chown and write are refused naming the path and the link; etc untouched', async (t) => {
  const s = scene();
  plant(s.etc, join(s.home, '.docker'));
  const before = snapshot(s.etc);
  const [dir, file] = dockerConfig(s);
  await refusedEverywhere(t, dir!, `refusing ${s.home}/.docker: ${s.home}/.docker is a symbolic link (to ${s.etc}) in ${s.home}, a directory that users other than root can change`);
  await refusedEverywhere(t, file!, `refusing ${s.home}/.docker/config.json: ${s.home}/.docker is a symbolic link (to ${s.etc}) in ${s.home}`);
  const r = await run(local(), roleOf(() => dockerConfig(s)), false);
  t.is(r.outcome.failed, 1, 'the role fails at its first step');
  t.is(snapshot(s.etc), before, 'etc: same owner, mode and entries; no config.json');
  t.false(existsSync(join(s.etc, 'config.json')));
});

rootTest('a link as the file itself in the user directory: neither its target nor a new file behind it is written', async (t) => {
  const s = scene();
  const docker = join(s.home, '.docker');
  mkdirSync(docker);
  chownSync(docker, NOBODY, NOBODY);
  plant(join(s.etc, 'passwd'), join(docker, 'config.json'));
  plant(join(s.etc, 'new.json'), join(docker, 'other.json'));
  const before = snapshot(s.etc);
  const write = (name: string): Resource => ({ kind: 'file', path: join(docker, name), content: 'x\n', mode: '0600', owner: 'nobody' });
  await refusedEverywhere(t, write('config.json'), `refusing ${docker}/config.json: ${docker}/config.json is a symbolic link (to ${s.etc}/passwd) in ${docker}`);
  await refusedEverywhere(t, write('other.json'), `refusing ${docker}/other.json: ${docker}/other.json is a symbolic link (to ${s.etc}/new.json) in ${docker}`);
  t.is(snapshot(s.etc), before, 'passwd unchanged, new.json not created');
  t.true(lstatSync(join(docker, 'config.json')).isSymbolicLink(), 'the link itself is left as it is');
});

rootTest('chmod/chown alone (content already equal) through a link, or of a hard link to root’s file: refused, nothing changed', async (t) => {
  const s = scene();
  const docker = join(s.home, '.docker');
  mkdirSync(docker);
  chownSync(docker, NOBODY, NOBODY);
  const same = readFileSync(join(s.etc, 'passwd'), 'utf8');
  plant(join(s.etc, 'passwd'), join(docker, 'linked.json'));
  linkSync(join(s.etc, 'passwd'), join(docker, 'hard.json'));
  const before = snapshot(s.etc);
  const linked = await run(local(), roleOf(() => [{ kind: 'file', path: join(docker, 'linked.json'), content: same, mode: '0600', owner: 'nobody' }]), false);
  t.is(linked.outcome.failed, 1);
  t.true((linked.steps[0]?.error ?? '').includes(`${docker}/linked.json is a symbolic link (to ${s.etc}/passwd)`), linked.steps[0]?.error);
  // The apply's attributes snippet alone (a link planted after the read):
  const direct = spawnSync('sh', ['-s'], { input: attributesSnippet(join(docker, 'linked.json'), '0600', 'nobody'), encoding: 'utf8' });
  t.not(direct.status, 0);
  t.true(direct.stderr.includes(`${docker}/linked.json is a symbolic link (to ${s.etc}/passwd) in ${docker}`), direct.stderr);
  const hard = await run(local(), roleOf(() => [{ kind: 'file', path: join(docker, 'hard.json'), content: same, mode: '0600', owner: 'nobody' }]), false);
  t.deepEqual(hard.steps[0]?.actions, ['chmod 0600', 'chown nobody']);
  t.is(hard.outcome.failed, 1);
  t.regex(hard.steps[0]?.error ?? '', /hard\.json was replaced, or is a hard link/);
  t.is(snapshot(s.etc), before, 'passwd keeps owner root and mode 0644');
});

for (const [what, mode, owner] of [
  ['a group-writable directory of root', 0o775, 0],
  ['a sticky world-writable directory (like /tmp)', 0o1777, 0],
  ['a directory of another user', 0o755, NOBODY],
] as const) {
  rootTest(`a link in ${what} is refused, even one root owns`, async (t) => {
    const s = scene();
    const shared = join(s.dir, 'shared');
    mkdirSync(shared);
    chmodSync(shared, mode);
    chownSync(shared, owner, owner);
    symlinkSync(s.etc, join(shared, 'conf'));
    const before = snapshot(s.etc);
    await refusedEverywhere(t, { kind: 'file', path: join(shared, 'conf', 'x.conf'), content: 'x\n' }, `${shared}/conf is a symbolic link (to ${s.etc}) in ${shared}`);
    await refusedEverywhere(t, { kind: 'directory', path: join(shared, 'conf', 'd'), mode: '0700' }, `${shared}/conf is a symbolic link (to ${s.etc}) in ${shared}`);
    t.is(snapshot(s.etc), before);
  });
}

rootTest('root’s link into a user directory is followed, and the walk goes on under the user directory’s rule', async (t) => {
  const s = scene();
  symlinkSync(s.home, join(s.etc, 'docker-home')); // root's link in root's directory: followed
  plant(s.etc, join(s.home, '.docker')); // the user's link in the user's directory: refused
  const before = snapshot(s.etc);
  await refusedEverywhere(t, { kind: 'file', path: join(s.etc, 'docker-home', '.docker', 'config.json'), content: 'x\n' }, `${s.home}/.docker is a symbolic link (to ${s.etc}) in ${s.home}`);
  t.is(snapshot(s.etc), before);
});

rootTest('the directory checked is the one written: swapping it for a link while the write runs does not redirect it', async (t) => {
  const s = scene();
  const docker = join(s.home, '.docker');
  mkdirSync(docker);
  chownSync(docker, NOBODY, NOBODY);
  const before = snapshot(s.etc);
  // validate runs between the checks and the rename: it moves the directory away and plants the link.
  const swap = ['sh', '-c', 'mv "$1" "$1.moved" && ln -s "$2" "$1"', 'swap', docker, s.etc];
  const r = await run(local(), roleOf(() => [{ kind: 'file', path: join(docker, 'config.json'), content: 'x\n', mode: '0600', validate: swap }]), false);
  t.is(r.outcome.failed, 0, r.steps[0]?.error);
  t.is(snapshot(s.etc), before, 'nothing renamed into etc');
  t.is(readFileSync(join(`${docker}.moved`, 'config.json'), 'utf8'), 'x\n', 'the file landed in the directory that was checked');
  t.deepEqual(readdirSync(`${docker}.moved`), ['config.json'], 'no temp file left');
});

rootTest('a user’s own docker config the normal way: three runs (check touches nothing, apply, apply again changes nothing)', async (t) => {
  const s = scene();
  const docker = join(s.home, 'a', '.docker');
  await threeRunsOn(
    t,
    local(),
    [
      { kind: 'directory', path: docker, owner: 'nobody', group: 'nogroup', mode: '0700' },
      { kind: 'file', path: join(docker, 'config.json'), content: '{"auths":{}}\n', mode: '0600', owner: 'nobody', group: 'nogroup' },
    ],
    () => t.false(existsSync(join(s.home, 'a'))),
    () => {
      const d = statSync(docker);
      t.is(`${d.uid} ${(d.mode & 0o7777).toString(8)}`, `${NOBODY} 700`);
      t.is(statSync(join(s.home, 'a')).uid, 0, 'a missing parent is made by root, 0755');
      const f = statSync(join(docker, 'config.json'));
      t.is(`${f.uid}:${f.gid} ${(f.mode & 0o7777).toString(8)}`, `${NOBODY}:${NOBODY} 600`);
      t.deepEqual(readdirSync(docker), ['config.json']);
    },
  );
});

rootTest('chmod/chown alone of a plain file in the user directory still works (through the checked open file)', async (t) => {
  const s = scene();
  const path = join(s.home, 'config.json');
  writeFileSync(path, 'x\n', { mode: 0o644 });
  const r = await run(local(), roleOf(() => [{ kind: 'file', path, content: 'x\n', mode: '0600', owner: 'nobody' }]), false);
  t.is(r.outcome.failed, 0, r.steps[0]?.error);
  t.deepEqual(r.steps[0]?.actions, ['chmod 0600', 'chown nobody']);
  const f = statSync(path);
  t.is(`${f.uid} ${(f.mode & 0o7777).toString(8)}`, `${NOBODY} 600`);
});

// Each resource kind without a host, pyinfra-style: desired state + what was read → expected actions
// (a "no change" case in every table has none, and then no apply snippet either); the snippet and
// the registered values follow from the plan alone. The read snippets of every kind compose into
// one script whose records each parser reads on its own (run here with the local sh).
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { command } from '../../src/engine/kinds/command.js';
import { directory, type DirFact } from '../../src/engine/kinds/directory.js';
import { file, type FileFact } from '../../src/engine/kinds/file.js';
import { fileset } from '../../src/engine/kinds/fileset.js';
import type { PlanEnv } from '../../src/engine/kinds/kind.js';
import { buildReadScript, parseRead, type ReadItem } from '../../src/engine/run/read-script.js';
import { readItems } from '../../src/engine/run/read-state.js';
import { planResource } from '../../src/engine/run/plan.js';
import { StateError } from '../../src/errors.js';
import { parseRecords } from '../../src/facts/records.js';
import type { CommandState, DirectoryState, FileSetState, FileState } from '../../src/resources/types.js';
import { isSecret, Secret } from '../../src/secret.js';
import { shown } from '../helpers/kinds.js';

const MARKER = '@@regplay-test';

function env(files: Record<string, FileFact> = {}, dirs: Record<string, DirFact> = {}): PlanEnv {
  return { facts: {}, model: { files: new Map(Object.entries(files)), dirs: new Map(Object.entries(dirs)) }, backupSuffix: '.bak~' };
}

const absent: FileFact = { exists: false, content: null, parentExists: true };
const present = (content: string, mode = 0o644, owner = 'root', group = 'root'): FileFact => ({ exists: true, content, mode, owner, group, parentExists: true });

const dirCases: Array<{ title: string; r: DirectoryState; read: DirFact; actions: string[]; script?: RegExp }> = [
  { title: 'missing: create with mode and owner', r: { kind: 'directory', path: '/srv/d', mode: '0750', owner: 'root', group: 'adm' }, read: { exists: false }, actions: ['create', 'chmod 0750', 'chown root:adm'], script: /rp_walk \/srv\/d 1[\s\S]*chmod 0750 \.[\s\S]*chown root:adm \./ },
  { title: 'no change: as wanted', r: { kind: 'directory', path: '/srv/d', mode: '0750', owner: 'root' }, read: { exists: true, mode: 0o750, owner: 'root', group: 'root' }, actions: [] },
  { title: 'no change: an owner given as the uid the host has', r: { kind: 'directory', path: '/srv/d', owner: '1000' }, read: { exists: true, mode: 0o755, owner: 'UNKNOWN', group: 'g', uid: '1000', gid: '1000' }, actions: [] },
  { title: 'mode differs: chmod only', r: { kind: 'directory', path: '/srv/d', mode: '0700', owner: 'root' }, read: { exists: true, mode: 0o755, owner: 'root', group: 'root' }, actions: ['chmod 0700'], script: /chmod 0700 \./ },
];
for (const c of dirCases) {
  test(`directory: ${c.title}`, (t) => {
    const e = env({}, { [c.r.path]: c.read });
    const p = shown(directory, directory.plan(c.r, [], e));
    t.deepEqual(p.actions, c.actions);
    if (c.script) t.regex(p.script, c.script);
    else t.is(p.script, '');
    if (c.actions.length && !c.actions.includes('chown root:adm')) t.notRegex(p.script, /chown/);
    t.deepEqual([p.registered(), p.registered({ stdout: '' })], [{ changed: false }, { changed: c.actions.length > 0 }]);
    t.like(e.model.dirs.get(c.r.path), { exists: true });
  });
}

test('directory: a file in its place is refused; the directories above count as existing for later steps', (t) => {
  t.throws(() => directory.plan({ kind: 'directory', path: '/srv/d' }, [], env({}, { '/srv/d': { exists: 'other' } })), { instanceOf: StateError, message: /not a directory/ });
  const e = env({}, { '/srv/a/b': { exists: false } });
  directory.plan({ kind: 'directory', path: '/srv/a/b' }, [], e);
  t.true(e.model.dirs.get('/srv/a')?.exists === true && e.model.dirs.get('/srv')?.exists === true);
});

const cmd = (extra: Partial<CommandState> = {}): CommandState => ({ kind: 'command', argv: ['touch', '/x'], ...extra });
const commandCases: Array<{ title: string; r: CommandState; guard?: object; actions: string[]; why?: string; skipped?: boolean }> = [
  { title: 'no guard: runs', r: cmd(), actions: ['run touch /x'] },
  { title: 'no change: creates exists', r: cmd({ creates: '/x' }), guard: { creates: true }, actions: [], why: '/x exists' },
  { title: 'creates missing: runs', r: cmd({ creates: '/x' }), guard: { creates: false }, actions: ['run touch /x'] },
  { title: 'no change: unless succeeded', r: cmd({ unless: ['test', '-e', '/x'] }), guard: { unless: 0 }, actions: [], why: 'unless: test -e /x succeeded' },
  { title: 'unless failed: runs', r: cmd({ unless: ['test', '-e', '/x'] }), guard: { unless: 1 }, actions: ['run touch /x'] },
  { title: 'onlyIf failed: skipped', r: cmd({ onlyIf: ['false'] }), guard: { onlyIf: 1 }, actions: [], why: 'onlyIf: false failed', skipped: true },
];
for (const c of commandCases) {
  test(`command: ${c.title}`, (t) => {
    t.is(command.reads(c.r).length, c.guard ? 1 : 0, 'a guard is read only when there is one');
    const p = shown(command, command.plan(c.r, c.guard ? [c.guard] : [], env()));
    t.deepEqual([p.actions, p.why, p.skipped], [c.actions, c.why, c.skipped]);
    t.is(p.script, c.actions.length ? 'touch /x' : '');
    t.deepEqual(p.registered({ stdout: '' }), { changed: c.actions.length > 0 });
  });
}

test('command: a Secret stdin is only in the apply snippet, as base64 in a heredoc; never in the command named in errors', (t) => {
  const p = shown(command, command.plan(cmd({ argv: ['chpasswd'], stdin: new Secret('alice:pw-kinds-test') }), [], env()));
  t.deepEqual(p.actions, ['run chpasswd']);
  t.false(p.script.includes('pw-kinds-test'));
  t.true(p.script.includes(Buffer.from('alice:pw-kinds-test').toString('base64')));
  t.regex(p.script, /^base64 -d <<'REGPLAY_\w+_EOF' \| chpasswd\n/);
  t.is(p.command, 'chpasswd');
  t.false(JSON.stringify(p.plan).includes('pw-kinds-test'), 'the plan holds the Secret, which prints as ***');
});

const f = (extra: Partial<FileState> = {}): FileState => ({ kind: 'file', path: '/etc/x.conf', content: 'a=1\n', ...extra });
const fileCases: Array<{ title: string; r: FileState; read: FileFact; actions: string[]; script?: RegExp; diffs: number }> = [
  { title: 'missing: create', r: f({ mode: '0600' }), read: absent, actions: ['create', 'chmod 0600'], script: /chmod 0600 \/proc\/self\/fd\/3[\s\S]*mv -f -T/, diffs: 1 },
  { title: 'no change: same content and mode', r: f({ mode: '0644' }), read: present('a=1\n'), actions: [], diffs: 0 },
  { title: 'content differs: write, mode kept', r: f(), read: present('a=0\n', 0o640), actions: ['write content'], script: /chmod 0640 \/proc\/self\/fd\/3/, diffs: 1 },
  { title: 'mode differs: chmod through the open file, no write', r: f({ mode: '0600' }), read: present('a=1\n'), actions: ['chmod 0600'], script: /rp_open 3[\s\S]*chmod 0600 \/proc\/self\/fd\/3/, diffs: 0 },
  { title: 'owner differs: chown', r: f({ owner: 'nobody' }), read: present('a=1\n'), actions: ['chown nobody'], script: /chown nobody \/proc\/self\/fd\/3/, diffs: 0 },
  { title: 'absent wanted, present: remove', r: f({ state: 'absent', content: undefined }), read: present('a=1\n'), actions: ['remove'], script: /rm -f -- \.\/x\.conf/, diffs: 1 },
  { title: 'no change: absent wanted, absent', r: f({ state: 'absent', content: undefined }), read: absent, actions: [], diffs: 0 },
  { title: 'an edit that returns the content unchanged: no change', r: f({ content: undefined, edit: (cur) => cur ?? '' }), read: present('kept\n'), actions: [], diffs: 0 },
  { title: 'an edit that appends a line: write', r: f({ content: undefined, edit: (cur) => `${cur}b=2\n` }), read: present('a=1\n'), actions: ['write content'], script: /mv -f -T/, diffs: 1 },
];
for (const c of fileCases) {
  test(`file: ${c.title}`, async (t) => {
    const p = shown(file, await file.plan(c.r, [], env({ [c.r.path]: c.read })));
    t.deepEqual(p.actions, c.actions);
    if (c.script) t.regex(p.script, c.script);
    else t.is(p.script, '');
    if (c.actions.includes('chmod 0600') && !c.actions.includes('create')) t.notRegex(p.script, /base64 -d/, 'an attribute change writes no content');
    t.is(p.diffs.length, c.diffs);
  });
}

test('file: registered as read, and as the plan leaves it; a sensitive content is registered as a Secret and never diffed in clear', async (t) => {
  const p = shown(file, await file.plan(f({ content: new Secret('token=kinds-secret\n') }), [], env({ '/etc/x.conf': present('token=old-kinds\n') })));
  t.deepEqual(p.actions, ['write content']);
  const before = p.registered() as { exists: boolean; content: unknown };
  const after = p.registered({ stdout: '' }) as { exists: boolean; content: unknown };
  t.true(isSecret(before.content) && isSecret(after.content));
  t.is((after.content as Secret).reveal(), 'token=kinds-secret\n');
  t.false(JSON.stringify(p.diffs).includes('kinds-secret'));
  t.false(p.command.includes('kinds-secret'));
  t.true(p.script.includes(Buffer.from('token=kinds-secret\n').toString('base64')), 'the content travels in the script (stdin), base64');
});

test('file: a later step plans against the model the earlier one left (written content, parent directory created)', async (t) => {
  const e = env({ '/srv/new/x': { exists: false, content: null, parentExists: false } }, { '/srv/new': { exists: false } });
  t.regex((await file.plan(f({ path: '/srv/new/x' }), [], env({ '/srv/new/x': { exists: false, content: null, parentExists: false } }))).why ?? '', /does not exist yet/);
  directory.plan({ kind: 'directory', path: '/srv/new' }, [], e);
  const first = await file.plan(f({ path: '/srv/new/x' }), [], e);
  t.is(first.why, undefined);
  t.deepEqual((await file.plan(f({ path: '/srv/new/x' }), [], e)).actions, [], 'the same file again: already as wanted');
});

const set = (edit: FileSetState['edit']): FileSetState => ({ kind: 'fileset', files: [{ path: '/pki/a.key', mode: '0600', sensitive: true }, { path: '/pki/a.crt' }], edit });
test('fileset: one edit over both contents; only the files that differ change; no change when none does', async (t) => {
  const read = { '/pki/a.key': present('KEY', 0o600), '/pki/a.crt': present('CRT') };
  const none = shown(fileset, await fileset.plan(set((cur) => ({ content: { '/pki/a.key': cur['/pki/a.key']!, '/pki/a.crt': cur['/pki/a.crt']! } })), [], env(read)));
  t.deepEqual([none.actions, none.script, none.why], [[], '', undefined]);
  const renew = shown(fileset, await fileset.plan(set(() => ({ content: { '/pki/a.key': 'KEY', '/pki/a.crt': 'CRT2' }, why: 'expires soon' })), [], env(read)));
  t.deepEqual(renew.actions, ['write content /pki/a.crt']);
  t.is(renew.why, 'expires soon');
  t.is(renew.script.match(/mv -f -T/g)?.length, 1);
  const reg = renew.registered({ stdout: '' }) as Record<string, unknown>;
  t.true(isSecret(reg['/pki/a.key']));
  t.is(reg['/pki/a.crt'], 'CRT2');
  t.deepEqual(fileset.reads(set(() => ({ content: {} }))), [{ kind: 'file', path: '/pki/a.key' }, { kind: 'file', path: '/pki/a.crt' }]);
});

test('when false: skipped whatever the kind, nothing planned, registers null', async (t) => {
  const p = await planResource(f({ when: () => false }), [], env({ '/etc/x.conf': absent }));
  t.deepEqual([p.plan.actions, p.plan.skipped, p.kind.registered(p.plan, { stdout: '' }), p.kind.script(p.plan, { marker: MARKER })], [[], true, null, '']);
});

test('reads: each item once per host script, each resource gets the records of its own reads', (t) => {
  const resources = [f(), f({ name: 'again' }), cmd({ creates: '/x' }), { kind: 'directory', path: '/srv/d' } as DirectoryState];
  const plan = readItems(resources, { os: { argv: ['uname'], parse: (s) => s } });
  t.deepEqual(plan.items, [{ kind: 'file', path: '/etc/x.conf' }, { kind: 'guard', creates: '/x' }, { kind: 'dir', path: '/srv/d' }, { kind: 'capture', command: 'uname' }]);
  t.deepEqual([...plan.resources.values()], [[0], [0], [1], [2]]);
  t.is(plan.queries.get('os'), 3);
});

test('read snippets of every kind compose into one script; each parser reads its own record', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'regplay-kinds-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'sub'));
  writeFileSync(join(dir, 'a.txt'), 'hello\n', { mode: 0o640 });
  const items: ReadItem[] = [
    { kind: 'file', path: join(dir, 'a.txt') },
    { kind: 'file', path: join(dir, 'missing') },
    { kind: 'dir', path: join(dir, 'sub') },
    { kind: 'guard', unless: ['test', '-e', join(dir, 'a.txt')], creates: join(dir, 'nope') },
    { kind: 'capture', command: 'cat; echo err >&2; exit 3', stdin: 'in\n' },
  ];
  const out = spawnSync('sh', ['-s'], { input: buildReadScript(items, MARKER), encoding: 'utf8' });
  t.is(out.status, 0, out.stderr);
  const records = parseRecords(out.stdout, MARKER);
  const parsed = items.map((item, i) => parseRead(item as Exclude<ReadItem, { kind: 'markers' }>, records.get(i)));
  t.like(parsed[0], { exists: true, content: 'hello\n', mode: 0o640, parentExists: true });
  t.like(parsed[1], { exists: false, content: null, parentExists: true });
  t.like(parsed[2], { exists: true });
  t.deepEqual(parsed[3], { unless: 0, onlyIf: undefined, creates: false });
  t.deepEqual(parsed[4], { code: 3, stdout: 'in\n', stderr: 'err\n' });
});

// The three-run idempotency test (check → apply → apply again) for every resource kind on the
// local transport, plus the guarantees of the executor: edits keep other lines, mode and owner
// are kept, writes are atomic, secrets stay out of events and command lines, handlers run once.
import test, { type ExecutionContext } from 'ava';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StateError, UnreachableError } from '../../src/errors.js';
import type { Resource } from '../../src/resources/types.js';
import { isSecret, Secret } from '../../src/secret.js';
import { LocalTransport } from '../../src/transports/local.js';
import type { ExecOptions, ExecResult, Transport } from '../../src/transports/types.js';
import { handlers, roleOf, run, threeRunsOn } from './executor-helpers.js';
import { serialUnless } from '../helpers/lab-test.js';
import { tempDirs } from '../helpers/temp-dirs.js';

// Only root can give a file to another user: where the tests are not root, the owner tests are
// skipped with the reason (failed in CI: test/helpers/lab-test.ts), never passed without the check.
const asRoot = serialUnless(process.getuid?.() === 0 ? undefined : 'not root: only root can chown a file to nobody');

const tempDir = tempDirs('regplay-exec-');

function modeOf(path: string): string {
  return (statSync(path).mode & 0o7777).toString(8).padStart(4, '0');
}

/** Records every command and stdin; runs them locally. */
class RecordingTransport implements Transport {
  readonly inner = new LocalTransport({ host: 'local' });
  readonly host = 'local';
  readonly user = this.inner.user;
  readonly commands: string[] = [];
  readonly stdins: string[] = [];
  get roundTrips(): number {
    return this.inner.roundTrips;
  }
  async connect(): Promise<void> {}
  exec(command: string, opts?: ExecOptions): Promise<ExecResult> {
    this.commands.push(command);
    this.stdins.push(String(opts?.stdin ?? ''));
    return this.inner.exec(command, opts);
  }
  async close(): Promise<void> {}
}

const threeRuns = (t: ExecutionContext, resources: Resource[], untouched: () => void, converged: () => void) =>
  threeRunsOn(t, new LocalTransport({ host: 'local' }), resources, untouched, converged);

asRoot('file: check changes nothing, apply creates with mode and owner, second apply changes nothing', async (t) => {
  const dir = tempDir();
  const path = join(dir, 'app.conf');
  await threeRuns(
    t,
    [{ kind: 'file', path, content: 'a=1\n', mode: '0600', owner: 'nobody', group: 'nogroup' }],
    () => t.false(existsSync(path)),
    () => {
      t.is(readFileSync(path, 'utf8'), 'a=1\n');
      t.is(modeOf(path), '0600');
      t.deepEqual([statSync(path).uid, statSync(path).gid], [65534, 65534]);
    },
  );
});

asRoot('file: only a differing owner is fixed in place with chown, content and mode untouched', async (t) => {
  const dir = tempDir();
  const path = join(dir, 'app.conf');
  writeFileSync(path, 'a=1\n');
  chmodSync(path, 0o600);
  const r = await run(new LocalTransport({ host: 'local' }), roleOf(() => [{ kind: 'file', path, content: 'a=1\n', mode: '0600', owner: 'nobody', group: 'nogroup' }]), false);
  t.is(r.outcome.changed, 1);
  t.deepEqual([statSync(path).uid, statSync(path).gid], [65534, 65534]);
  t.is(readFileSync(path, 'utf8'), 'a=1\n');
  t.is(modeOf(path), '0600');
});

test('file state absent: check keeps the file, apply removes it, second apply changes nothing', async (t) => {
  const dir = tempDir();
  const path = join(dir, 'old.conf');
  writeFileSync(path, 'x');
  await threeRuns(t, [{ kind: 'file', path, state: 'absent' }], () => t.true(existsSync(path)), () => t.false(existsSync(path)));
});

test('directory: check creates nothing, apply creates with mode, second apply changes nothing', async (t) => {
  const dir = tempDir();
  const path = join(dir, 'a', 'b');
  await threeRuns(
    t,
    [{ kind: 'directory', path, mode: '0750' }],
    () => t.false(existsSync(join(dir, 'a'))),
    () => {
      t.true(statSync(path).isDirectory());
      t.is(modeOf(path), '0750');
    },
  );
});

test('fileset: check writes nothing, apply writes every file, second apply changes nothing', async (t) => {
  const dir = tempDir();
  const key = join(dir, 'tls.key');
  const crt = join(dir, 'tls.crt');
  let edits = 0;
  await threeRuns(
    t,
    [
      {
        kind: 'fileset',
        files: [{ path: key, mode: '0600', sensitive: true }, { path: crt, mode: '0644' }],
        edit: (cur) => {
          edits++;
          if (cur[key] && cur[crt]) return { content: { [key]: cur[key]!, [crt]: cur[crt]! } };
          return { content: { [key]: new Secret(`KEY-${edits}`), [crt]: `CRT-${edits}` }, why: 'no key yet' };
        },
      },
    ],
    () => t.deepEqual(readdirSync(dir), []),
    () => {
      t.regex(readFileSync(key, 'utf8'), /^KEY-\d$/);
      t.is(modeOf(key), '0600');
      t.is(modeOf(crt), '0644');
    },
  );
});

test('command with creates guard: check runs nothing, apply runs once, second apply skips it', async (t) => {
  const dir = tempDir();
  const marker = join(dir, 'done');
  await threeRuns(
    t,
    [{ kind: 'command', argv: ['sh', '-c', `echo ran >> ${join(dir, 'log')}; touch ${marker}`], creates: marker }],
    () => t.false(existsSync(join(dir, 'log'))),
    () => t.is(readFileSync(join(dir, 'log'), 'utf8'), 'ran\n'),
  );
});

test('command with unless guard: runs only while the guard fails', async (t) => {
  const dir = tempDir();
  const target = join(dir, 'hosts');
  writeFileSync(target, '127.0.0.1 localhost\n');
  await threeRuns(
    t,
    [{ kind: 'command', argv: ['sh', '-c', `echo '10.0.0.5 registry' >> ${target}`], unless: ['grep', '-q', 'registry', target] }],
    () => t.is(readFileSync(target, 'utf8'), '127.0.0.1 localhost\n'),
    () => t.is(readFileSync(target, 'utf8'), '127.0.0.1 localhost\n10.0.0.5 registry\n'),
  );
});

test('command with onlyIf that fails is reported skipped and not run', async (t) => {
  const dir = tempDir();
  const r = await run(new LocalTransport({ host: 'local' }), roleOf(() => [{ kind: 'command', argv: ['touch', join(dir, 'x')], onlyIf: ['false'] }]), false);
  t.is(r.steps[0]?.status, 'skipped');
  t.is(r.outcome.skipped, 1);
  t.false(existsSync(join(dir, 'x')));
});

test('an edit changes its line and preserves every other line of the file', async (t) => {
  const dir = tempDir();
  const path = join(dir, 'hosts');
  writeFileSync(path, '# keep me\n127.0.0.1 localhost\n10.0.0.9 old-registry\n::1 ip6-localhost\n');
  const edit = (cur: string | null) => (cur ?? '').replace(/^10\.0\.0\.9 .*$/m, '10.0.0.9 registry.local');
  const r = await run(new LocalTransport({ host: 'local' }), roleOf(() => [{ kind: 'file', path, edit }]), false);
  t.is(r.outcome.changed, 1);
  t.deepEqual(r.steps[0]?.actions, ['write content']);
  t.is(readFileSync(path, 'utf8'), '# keep me\n127.0.0.1 localhost\n10.0.0.9 registry.local\n::1 ip6-localhost\n');
});

asRoot('rewriting a file keeps its mode and owner when the resource sets none', async (t) => {
  const dir = tempDir();
  const path = join(dir, 'conf');
  writeFileSync(path, 'old\n');
  chmodSync(path, 0o640);
  chownSync(path, 65534, 65534);
  const r = await run(new LocalTransport({ host: 'local' }), roleOf(() => [{ kind: 'file', path, content: 'new\n' }]), false);
  t.deepEqual(r.steps[0]?.actions, ['write content']);
  t.is(readFileSync(path, 'utf8'), 'new\n');
  t.is(modeOf(path), '0640');
  t.deepEqual([statSync(path).uid, statSync(path).gid], [65534, 65534]);
});

test('only a differing mode is fixed in place with chmod, content untouched', async (t) => {
  const dir = tempDir();
  const path = join(dir, 'conf');
  writeFileSync(path, 'same\n');
  chmodSync(path, 0o644);
  const r = await run(new LocalTransport({ host: 'local' }), roleOf(() => [{ kind: 'file', path, content: 'same\n', mode: '0600' }]), false, true);
  t.deepEqual(r.steps[0]?.actions, ['chmod 0600']);
  t.is(r.steps[0]?.diffs, undefined);
  t.is(modeOf(path), '0600');
});

test('a failing validate leaves the old file intact and no temp file behind', async (t) => {
  const dir = tempDir();
  const path = join(dir, 'config.toml');
  writeFileSync(path, 'good = true\n');
  const r = await run(
    new LocalTransport({ host: 'local' }),
    roleOf(() => [{ kind: 'file', path, content: 'broken [[\n', validate: ['sh', '-c', 'grep -q good "$1" || { echo "parse error in $1" >&2; exit 3; }', 'validator', '%s'] }]),
    false,
  );
  t.is(r.steps[0]?.status, 'failed');
  t.regex(r.steps[0]?.error ?? '', /exit 1: parse error in .*validation failed: sh -c/);
  t.truthy(r.outcome.error);
  t.is(readFileSync(path, 'utf8'), 'good = true\n');
  t.deepEqual(readdirSync(dir), ['config.toml']);
});

test('a passing validate sees the new content at %s and the file is replaced', async (t) => {
  const dir = tempDir();
  const path = join(dir, 'config.toml');
  writeFileSync(path, 'good = 1\n');
  const r = await run(new LocalTransport({ host: 'local' }), roleOf(() => [{ kind: 'file', path, content: 'good = 2\n', validate: ['grep', '-q', 'good = 2', '%s'] }]), false);
  t.is(r.outcome.changed, 1, r.steps[0]?.error);
  t.is(readFileSync(path, 'utf8'), 'good = 2\n');
});

test('backup keeps a timestamped copy of the old file beside it', async (t) => {
  const dir = tempDir();
  const path = join(dir, 'f');
  writeFileSync(path, 'v1\n');
  await run(new LocalTransport({ host: 'local' }), roleOf(() => [{ kind: 'file', path, content: 'v2\n', backup: true }]), false);
  const backups = readdirSync(dir).filter((n) => n.startsWith('f.') && n.endsWith('~'));
  t.is(backups.length, 1);
  t.regex(backups[0]!, /^f\.\d{4}-\d\d-\d\d@\d\d:\d\d:\d\d~$/);
  t.is(readFileSync(join(dir, backups[0]!), 'utf8'), 'v1\n');
  t.is(readFileSync(path, 'utf8'), 'v2\n');
});

test('a file whose directory does not exist: check says so, apply fails clearly and writes nothing', async (t) => {
  const dir = tempDir();
  const role = roleOf(() => [{ kind: 'file', path: join(dir, 'missing', 'f'), content: 'x' }]);
  const check = await run(new LocalTransport({ host: 'local' }), role, true);
  t.is(check.steps[0]?.status, 'changed');
  t.regex(check.steps[0]?.why ?? '', /directory .*missing does not exist yet/);
  const apply = await run(new LocalTransport({ host: 'local' }), role, false);
  t.is(apply.steps[0]?.status, 'failed');
  t.regex(apply.steps[0]?.error ?? '', /directory .*missing does not exist: declare a directory resource before this file/);
  t.deepEqual(readdirSync(dir), []);
});

test('a directory resource before a file lets the file be created in it', async (t) => {
  const dir = tempDir();
  const r = await run(
    new LocalTransport({ host: 'local' }),
    roleOf(() => [
      { kind: 'directory', path: join(dir, 'd', 'e') },
      { kind: 'file', path: join(dir, 'd', 'e', 'f'), content: 'x' },
    ]),
    true,
  );
  t.deepEqual(r.steps.map((s) => s.status), ['changed', 'changed']);
});

test('two resources on the same file plan against each other, not the stale read', async (t) => {
  const dir = tempDir();
  const path = join(dir, 'hosts');
  writeFileSync(path, 'a\n');
  const add = (line: string) => (cur: string | null) => ((cur ?? '').includes(line) ? cur! : `${cur ?? ''}${line}\n`);
  const role = roleOf(() => [
    { kind: 'file', path, edit: add('b') },
    { kind: 'file', path, edit: add('c') },
  ]);
  await run(new LocalTransport({ host: 'local' }), role, false);
  t.is(readFileSync(path, 'utf8'), 'a\nb\nc\n');
  const again = await run(new LocalTransport({ host: 'local' }), role, false);
  t.is(again.outcome.changed, 0);
});

test('secret content never appears in events or diffs, and travels only on stdin', async (t) => {
  const dir = tempDir();
  const value = 'hunter2-very-secret-password';
  const transport = new RecordingTransport();
  const role = roleOf(() => [
    { kind: 'file', path: join(dir, 'htpasswd'), content: new Secret(value), mode: '0600', register: 'htpasswd' },
    { kind: 'command', argv: ['sh', '-c', `cat > ${join(dir, 'from-stdin')}`], stdin: new Secret(value), creates: join(dir, 'from-stdin') },
  ]);
  const check = await run(transport, role, true, true);
  const apply = await run(transport, role, false, true);
  const again = await run(transport, roleOf(() => [{ kind: 'file', path: join(dir, 'htpasswd'), content: new Secret(`${value}-rotated`), register: 'htpasswd' }]), false, true);
  for (const r of [check, apply, again]) t.false(JSON.stringify(r.events).includes(value));
  t.deepEqual(again.steps[0]?.diffs, [{ header: `file ${join(dir, 'htpasswd')}`, before: '(sensitive content)', after: '(sensitive content changed)' }]);
  t.true(isSecret(apply.outcome.registered.htpasswd && (apply.outcome.registered.htpasswd as { content: unknown }).content));
  t.false(JSON.stringify(apply.outcome.registered).includes(value));
  for (const c of transport.commands) t.false(c.includes(value));
  t.true(transport.commands.every((c) => c === 'sh -s'));
  t.true(transport.stdins.some((s) => s.includes(Buffer.from(value).toString('base64').slice(0, 20))));
  t.is(readFileSync(join(dir, 'from-stdin'), 'utf8'), value);
  t.is(readFileSync(join(dir, 'htpasswd'), 'utf8'), `${value}-rotated`);
});

test('a no-op run makes exactly one exec round trip (the batched read)', async (t) => {
  const dir = tempDir();
  mkdirSync(join(dir, 'd'));
  writeFileSync(join(dir, 'd', 'f'), 'x');
  writeFileSync(join(dir, 'g'), 'y');
  const transport = new LocalTransport({ host: 'local' });
  const role = roleOf(
    () => [
      { kind: 'directory', path: join(dir, 'd') },
      { kind: 'file', path: join(dir, 'd', 'f'), content: 'x' },
      { kind: 'file', path: join(dir, 'g'), edit: (cur, facts) => `${cur}`.replace('z', String(facts.kernel)) },
      { kind: 'command', argv: ['false'], creates: join(dir, 'g') },
    ],
    { facts: () => ({ kernel: { argv: ['uname', '-s'], parse: (out) => out.trim() } }) },
  );
  const r = await run(transport, role, false);
  t.is(r.outcome.changed, 0);
  t.is(r.outcome.ok, 4);
  t.is(transport.roundTrips, 1);
});

test('fact query values reach edit functions', async (t) => {
  const dir = tempDir();
  const path = join(dir, 'f');
  const role = roleOf(() => [{ kind: 'file', path, edit: (_cur, facts) => `os=${facts.os} code=${facts.missing}\n` }], {
    facts: () => ({
      os: { argv: ['uname', '-s'], parse: (out) => out.trim() },
      missing: { argv: ['sh', '-c', 'exit 4'], parse: (_out, code) => (code === 0 ? 'yes' : null) },
    }),
  });
  await run(new LocalTransport({ host: 'local' }), role, false);
  t.is(readFileSync(path, 'utf8'), 'os=Linux code=null\n');
});

test('when: a resource whose condition is false for the facts read is skipped, nothing written; true: applied', async (t) => {
  const dir = tempDir();
  const role = roleOf(
    () => [
      { kind: 'directory', path: join(dir, 'no'), when: (f) => f.os === 'Plan9' },
      { kind: 'file', path: join(dir, 'no', 'f'), content: 'x', when: (f) => f.os === 'Plan9' },
      { kind: 'file', path: join(dir, 'yes'), content: 'y', when: (f) => f.os === 'Linux' },
    ],
    { facts: () => ({ os: { argv: ['uname', '-s'], parse: (out) => out.trim() } }) },
  );
  const transport = new LocalTransport({ host: 'local' });
  const r = await run(transport, role, false);
  t.deepEqual(r.steps.map((s) => s.status), ['skipped', 'skipped', 'changed']);
  t.false(existsSync(join(dir, 'no')));
  t.is(readFileSync(join(dir, 'yes'), 'utf8'), 'y');
  t.is((await run(transport, role, false)).outcome.changed, 0);
});

test('a role whose plan throws StateError fails the host with host, role and step named', async (t) => {
  const role = roleOf(() => {
    throw new StateError('fact ca_cert from cp1 is not available', 'run the ca role first');
  });
  const r = await run(new LocalTransport({ host: 'w1' }), role, false);
  t.is(r.outcome.failed, 1);
  t.is(r.steps[0]?.error, 'fact ca_cert from cp1 is not available (run the ca role first)');
  t.true(r.outcome.error instanceof StateError);
  t.regex(r.outcome.error!.message, /w1: role test-role, step plan/);
});

test('a failing command fails its step with user@host, command, exit code and stderr, and stops the role', async (t) => {
  const dir = tempDir();
  const r = await run(
    new LocalTransport({ host: 'w1' }),
    roleOf(() => [
      { kind: 'command', argv: ['sh', '-c', 'echo boom >&2; exit 7'] },
      { kind: 'file', path: join(dir, 'never'), content: 'x' },
    ]),
    false,
  );
  t.deepEqual(r.steps.map((s) => s.status), ['failed']);
  t.regex(r.steps[0]?.error ?? '', /while executing as \S+@w1: sh -c 'echo boom >&2; exit 7': exit 7: boom/);
  t.false(existsSync(join(dir, 'never')));
});

test('handlers: notified once, still run when a later step failed, in definition order', async (t) => {
  const dir = tempDir();
  const log = join(dir, 'log');
  const role = roleOf(
    () => [
      { kind: 'file', path: join(dir, 'a'), content: 'a', notify: ['restart'] },
      { kind: 'file', path: join(dir, 'b'), content: 'b', notify: ['restart', 'reload'] },
      { kind: 'command', argv: ['false'] },
    ],
    {
      handlers: () => ({
        reload: [{ kind: 'command', argv: ['sh', '-c', `echo reload >> ${log}`] }],
        restart: [{ kind: 'command', argv: ['sh', '-c', `echo restart >> ${log}`] }],
        unused: [{ kind: 'command', argv: ['sh', '-c', `echo unused >> ${log}`] }],
      }),
    },
  );
  const transport = new LocalTransport({ host: 'local' });
  const r = await run(transport, role, false);
  t.truthy(r.outcome.error);
  t.deepEqual(r.outcome.notified, ['restart', 'reload']);
  const h = await handlers(transport, role, r.outcome.notified, false);
  t.is(readFileSync(log, 'utf8'), 'reload\nrestart\n');
  t.deepEqual(h.events.map((e) => e.type === 'handler' && [e.handler, e.status]), [['reload', 'changed'], ['restart', 'changed']]);
});

test('handlers in check mode are reported as would-run and not run', async (t) => {
  const dir = tempDir();
  const role = roleOf(() => [], { handlers: () => ({ restart: [{ kind: 'command', argv: ['touch', join(dir, 'ran')] }] }) });
  const transport = new LocalTransport({ host: 'local' });
  const h = await handlers(transport, role, ['restart'], true);
  t.is(h.outcome.changed, 1);
  t.false(existsSync(join(dir, 'ran')));
  t.is(transport.roundTrips, 0);
  t.like(h.events[0], { type: 'handler', handler: 'restart', status: 'changed', check: true });
});

test('register: file facts are the state read in check mode and the written state after apply', async (t) => {
  const dir = tempDir();
  const path = join(dir, 'ca.crt');
  const role = roleOf(() => [
    { kind: 'file', path, content: 'CERT\n', register: 'ca' },
    { kind: 'directory', path: join(dir, 'x'), register: 'dir' },
  ]);
  const transport = new LocalTransport({ host: 'local' });
  const check = await run(transport, role, true);
  t.deepEqual(check.outcome.registered, { ca: { path, exists: false, content: null }, dir: { changed: false } });
  const apply = await run(transport, role, false);
  t.deepEqual(apply.outcome.registered, { ca: { path, exists: true, content: 'CERT\n' }, dir: { changed: true } });
});

test('a host lost mid-run rejects with UnreachableError (the engine marks it unreachable)', async (t) => {
  const lost: Transport = {
    host: 'w9',
    user: 'root',
    roundTrips: 0,
    connect: async () => {},
    exec: async () => {
      throw new UnreachableError('w9', 'connection lost while running a command');
    },
    close: async () => {},
  };
  await t.throwsAsync(run(lost, roleOf(() => [{ kind: 'file', path: '/tmp/x', content: 'x' }]), false), { instanceOf: UnreachableError, message: 'w9: connection lost while running a command' });
});

test('a command that leaves a daemon holding its stdout open does not hold the run open', async (t) => {
  const dir = tempDir();
  const pidFile = join(dir, 'pid');
  const r = await run(new LocalTransport({ host: 'local' }), roleOf(() => [{ kind: 'command', argv: ['sh', '-c', `sleep 300 & echo $! > ${pidFile}; echo started`] }]), false);
  process.kill(Number(readFileSync(pidFile, 'utf8')));
  t.is(r.steps[0]?.status, 'changed');
});

test('handlers: all notified handlers run in one exec; a failing handler stops the ones after it', async (t) => {
  const dir = tempDir();
  const log = join(dir, 'log');
  const role = roleOf(() => [], {
    handlers: () => ({
      first: [{ kind: 'command', argv: ['sh', '-c', `echo first >> ${log}`] }],
      broken: [{ kind: 'command', argv: ['sh', '-c', 'echo cannot restart >&2; exit 1'] }],
      last: [{ kind: 'command', argv: ['sh', '-c', `echo last >> ${log}`] }],
    }),
  });
  const transport = new LocalTransport({ host: 'local' });
  const h = await handlers(transport, role, ['last', 'broken', 'first'], false);
  t.is(transport.roundTrips, 1);
  t.is(readFileSync(log, 'utf8'), 'first\n');
  t.deepEqual(h.events.map((e) => e.type === 'handler' && [e.handler, e.status]), [['first', 'changed'], ['broken', 'failed']]);
  t.regex((h.events[1] as { error?: string }).error ?? '', /handler broken: .*exit 1: cannot restart/);
  t.truthy(h.outcome.error);
});

test('a file larger than the read cap is compared by SHA-256: equal content is left alone', async (t) => {
  const dir = tempDir();
  const path = join(dir, 'big');
  const big = 'x'.repeat(5 * 1024 * 1024);
  writeFileSync(path, big);
  const transport = new LocalTransport({ host: 'local' });
  const same = await run(transport, roleOf(() => [{ kind: 'file', path, content: big }]), false, false);
  t.is(same.outcome.changed, 0);
  const other = await run(transport, roleOf(() => [{ kind: 'file', path, content: `${big}y` }]), false, false);
  t.deepEqual(other.steps[0]?.actions, ['write content']);
  t.is(statSync(path).size, big.length + 1);
});

test('paths with spaces, quotes and $ and content with unicode and no final newline round-trip exactly', async (t) => {
  const dir = tempDir();
  const path = join(dir, `it's a $HOME "file"`);
  const content = 'héllo ✓\n\tline\\n $(not run) `x`';
  await threeRunsOn(t, new LocalTransport({ host: 'local' }), [{ kind: 'file', path, content }], () => t.false(existsSync(path)), () => t.is(readFileSync(path, 'utf8'), content));
});

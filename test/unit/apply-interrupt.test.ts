// An apply that is killed mid-write (the SSH client died, Ctrl-C, SIGTERM, SIGKILL) leaves the old
// file intact and no temp file of its own: the traps remove them; after a SIGKILL the next write
// into that directory does. The write is held inside its validate command (which records its
// process group and sleeps), then the group is signalled — as a terminal hangup or `kill -- -pgid`
// would. The apply runs through the real engine and the local transport, in a process group of its
// own (`setsid`), so the signal reaches the script's shells and the validate command but not ava.
import test from 'ava';
import { spawn } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildApplyScript } from '../../src/engine/kinds/apply-script.js';
import { atomicWriteSnippet } from '../../src/engine/kinds/apply-file.js';
import { newMarker } from '../../src/engine/kinds/script-util.js';
import type { Resource } from '../../src/resources/types.js';
import { quote } from '../../src/transports/shell.js';
import { LocalTransport } from '../../src/transports/local.js';
import type { ExecOptions, ExecResult } from '../../src/transports/types.js';
import { roleOf, run } from './executor-helpers.js';
import { tempDirs } from '../helpers/temp-dirs.js';

const tempDir = tempDirs('regplay-interrupt-');

/** The local transport, with the apply script (`sh -s`) in a session of its own and its own TMPDIR. */
class GroupedTransport extends LocalTransport {
  constructor(readonly tmp: string) {
    super({ host: 'local' });
  }
  override exec(command: string, opts?: ExecOptions): Promise<ExecResult> {
    return super.exec(command === 'sh -s' ? `TMPDIR=${quote(this.tmp)} exec setsid sh -s` : command, opts);
  }
}

interface Scene {
  dir: string;
  etc: string;
  target: string;
  /** TMPDIR of the apply script (its per-step output files). */
  scratch: string;
  /** While this file exists, validate records its process group here and sleeps. */
  hold: string;
  pgid: string;
  transport: GroupedTransport;
  resource: Resource;
}

function scene(): Scene {
  const dir = tempDir();
  const etc = join(dir, 'etc');
  const scratch = join(dir, 'scratch');
  mkdirSync(etc);
  mkdirSync(scratch);
  const target = join(etc, 'app.conf');
  writeFileSync(target, 'old=1\n', { mode: 0o644 });
  const hold = join(dir, 'hold');
  const pgid = join(dir, 'pgid');
  // The script's shell is the group leader (setsid): its pid is the group id.
  const validate = ['sh', '-c', `[ -e ${quote(hold)} ] || exit 0; cut -d' ' -f5 /proc/$$/stat > ${quote(pgid)}; exec sleep 30`, 'validate', '%s'];
  const resource: Resource = { kind: 'file', path: target, content: 'new=2\n', mode: '0644', validate, backup: true };
  return { dir, etc, target, scratch, hold, pgid, transport: new GroupedTransport(scratch), resource };
}

async function waitFor<T>(what: string, probe: () => T | undefined, ms = 10_000): Promise<T> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(20)) {
    const v = probe();
    if (v !== undefined) return v;
  }
  throw new Error(`timed out waiting for ${what}`);
}

const leftovers = (dir: string) => readdirSync(dir).filter((n) => n.includes('.regplay.'));

/** Starts the apply, waits until it sits in validate, sends `signal` to its process group. */
async function killMidWrite(s: Scene, signal: NodeJS.Signals) {
  writeFileSync(s.hold, '');
  const running = run(s.transport, roleOf(() => [s.resource]), false);
  const pgid = await waitFor('validate to start', () => {
    const text = existsSync(s.pgid) ? readFileSync(s.pgid, 'utf8').trim() : '';
    return /^\d+$/.test(text) ? Number(text) : undefined;
  });
  const whileRunning = leftovers(s.etc);
  const killedAt = Date.now();
  process.kill(-pgid, signal);
  const result = await running;
  rmSync(s.hold);
  return { result, killedAfterMs: Date.now() - killedAt, whileRunning };
}

for (const signal of ['SIGTERM', 'SIGHUP', 'SIGINT'] as const) {
  test(`${signal} to the apply's process group mid-write: old file intact, no temp file left`, async (t) => {
    const s = scene();
    const { result, killedAfterMs, whileRunning } = await killMidWrite(s, signal);
    t.is(whileRunning.length, 1, `the write's temp file existed while it ran: ${whileRunning}`);
    t.is(result.outcome.failed, 1, 'the killed apply fails the step');
    t.true(killedAfterMs < 5000, 'the sleeping validate died with its group');
    t.is(readFileSync(s.target, 'utf8'), 'old=1\n', 'old file intact');
    t.deepEqual(readdirSync(s.etc), ['app.conf'], 'no temp file beside the target, no backup made');
    t.deepEqual(readdirSync(s.scratch), [], "the script's own step-output temp files are gone too");
    // The next run finishes the job.
    const again = await run(s.transport, roleOf(() => [s.resource]), false);
    t.is(again.outcome.changed, 1, JSON.stringify(again.steps));
    t.is(readFileSync(s.target, 'utf8'), 'new=2\n');
    t.deepEqual(leftovers(s.etc), []);
  });
}

test("SIGKILL mid-write leaves a temp file (nothing can trap it): the next write there removes only the run's own stale temp files", async (t) => {
  const s = scene();
  // Names that are not regplay's temp files, or not in the directory written to: never touched.
  const keep = ['.regplay.abc', '.regplay.Ab12Cd.keep', 'regplay.Ab12Cd', 'x.regplay.Ab12Cd', '.regplay.Ab-2Cd'];
  for (const n of keep) writeFileSync(join(s.etc, n), n);
  mkdirSync(join(s.etc, '.regplay.Dir123'));
  writeFileSync(join(s.etc, '.regplay.Dir123', 'inside'), 'x');
  writeFileSync(join(s.dir, 'elsewhere'), 'linked');
  symlinkSync(join(s.dir, 'elsewhere'), join(s.etc, '.regplay.Lnk123'));
  writeFileSync(join(s.dir, '.regplay.Par123'), 'in the parent directory');
  mkdirSync(join(s.etc, 'sub'));
  writeFileSync(join(s.etc, 'sub', '.regplay.Sub123'), 'in a subdirectory');
  // An earlier crash's leftover, as mktemp names them.
  writeFileSync(join(s.etc, '.regplay.Old9zQ'), 'stale', { mode: 0o600 });

  const { result } = await killMidWrite(s, 'SIGKILL');
  t.is(result.outcome.failed, 1);
  t.is(readFileSync(s.target, 'utf8'), 'old=1\n', 'old file intact');
  const stale = leftovers(s.etc).filter((n) => /^\.regplay\.[A-Za-z0-9]{6}$/.test(n) && n !== '.regplay.Old9zQ' && n !== '.regplay.Lnk123' && n !== '.regplay.Dir123');
  t.is(stale.length, 1, `the killed write's temp file is left: ${leftovers(s.etc)}`);

  const again = await run(s.transport, roleOf(() => [s.resource]), false);
  t.is(again.outcome.failed, 0, JSON.stringify(again.steps));
  t.is(again.outcome.changed, 1);
  t.is(readFileSync(s.target, 'utf8'), 'new=2\n');
  t.false(existsSync(join(s.etc, stale[0]!)), 'the killed run’s temp file is removed');
  t.false(existsSync(join(s.etc, '.regplay.Old9zQ')), 'an older leftover too');
  for (const n of keep) t.is(readFileSync(join(s.etc, n), 'utf8'), n, `${n} untouched`);
  t.true(lstatSync(join(s.etc, '.regplay.Lnk123')).isSymbolicLink(), 'a symlink of that name is not ours');
  t.is(readFileSync(join(s.dir, 'elsewhere'), 'utf8'), 'linked');
  t.is(readFileSync(join(s.etc, '.regplay.Dir123', 'inside'), 'utf8'), 'x', 'a directory of that name is not ours');
  t.is(readFileSync(join(s.dir, '.regplay.Par123'), 'utf8'), 'in the parent directory');
  t.is(readFileSync(join(s.etc, 'sub', '.regplay.Sub123'), 'utf8'), 'in a subdirectory');
  t.is(readdirSync(s.etc).filter((n) => n.startsWith('app.conf.') && n.endsWith('~')).length, 1, 'one backup');
  const third = await run(s.transport, roleOf(() => [s.resource]), false);
  t.is(third.outcome.changed, 0);
});

test('the client goes away mid-write (its end of the pipes closed): the write in flight completes, then the script stops and cleans up', async (t) => {
  const s = scene();
  const go = join(s.dir, 'go');
  const marker = newMarker();
  const validate = ['sh', '-c', `: > ${quote(s.pgid)}; while [ ! -e ${quote(go)} ]; do sleep 0.02; done`, 'validate', '%s'];
  const first = atomicWriteSnippet({ path: s.target, content: 'new=2\n', mode: '0644', validate }, marker);
  const second = atomicWriteSnippet({ path: join(s.etc, 'second.conf'), content: 'never\n', mode: '0644' }, marker);
  const child = spawn('sh', ['-s'], { detached: true, env: { ...process.env, TMPDIR: s.scratch }, stdio: ['pipe', 'pipe', 'pipe'] });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  child.stdin.end(buildApplyScript([first, second], marker));
  await waitFor('validate to start', () => (existsSync(s.pgid) ? true : undefined));
  child.stdout.destroy();
  child.stderr.destroy();
  writeFileSync(go, '');
  const how = await Promise.race([exited, sleep(10_000).then(() => 'timeout' as const)]);
  if (how === 'timeout') process.kill(-child.pid!, 'SIGKILL');
  t.not(how, 'timeout', 'the script stops once it cannot report');
  t.is(readFileSync(s.target, 'utf8'), 'new=2\n', 'the write in flight completed (atomically)');
  t.false(existsSync(join(s.etc, 'second.conf')), 'no further step ran');
  t.deepEqual(leftovers(s.etc), []);
  t.deepEqual(readdirSync(s.scratch), [], 'step-output temp files removed');
});

test('a write that is not interrupted leaves nothing behind and its traps do not outlive it', async (t) => {
  const s = scene();
  const again = await run(s.transport, roleOf(() => [s.resource]), false);
  t.is(again.outcome.changed, 1, JSON.stringify(again.steps));
  t.is(readFileSync(s.target, 'utf8'), 'new=2\n');
  t.deepEqual(leftovers(s.etc), []);
  t.deepEqual(readdirSync(s.scratch), []);
});

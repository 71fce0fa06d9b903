// The reports through the real CLI (a child process): `--json -` streams NDJSON on stdout as the run
// goes (human output on stderr), every event stamped, steps and hosts timed; --json FILE and
// --junit FILE are written on every exit — bad input (the error as a failed testcase) and SIGINT
// included; FORCE_COLOR and NO_COLOR are honoured (a pty from util-linux `script` for the terminal case).
// The host is this machine through the local transport; the roles write only inside a temp directory.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { playCommand, runPlay, spawnPlay } from '../helpers/play.js';
import { tempTree } from '../helpers/fakes.js';
import { quoteArgv } from '../../src/transports/shell.js';

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

interface Event {
  type: string;
  time: string;
  role?: string;
  status?: string;
  durationMs?: number;
  exitCode?: number;
  recap?: Record<string, { ok: number; changed: number; durationMs: number }>;
  aborted?: { reason: string; message: string };
  summary?: Record<string, string[]>;
}

/** A project: one local host, a role writing a file in the project, a slow role (`sleep`), tags. */
function project(): string {
  const dir = tempTree({
    'inventory.yaml': 'all:\n  hosts:\n    local1: {transport: local}\n',
    'site.yaml': '- name: stamp\n  hosts: all\n  roles:\n    - {role: stamp, tags: [stamp]}\n- name: slow\n  hosts: all\n  roles:\n    - {role: sleeper, tags: [slow]}\n',
    'roles/stamp/index.js': "export default { name: 'stamp', plan: (ctx) => [{ kind: 'file', path: ctx.vars.stamp_file, content: 'stamped\\n' }] };\n",
    'roles/sleeper/index.js': "export default { name: 'sleeper', plan: () => [{ kind: 'command', name: 'sleep a while', argv: ['sleep', '4'] }] };\n",
  });
  return dir;
}

const vars = (dir: string) => ['-e', `stamp_file=${join(dir, 'stamped.txt')}`];
const lines = (stdout: string): Event[] => stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Event);

test('--json - streams one JSON event per line on stdout, every one timestamped, steps and hosts with durations; the human output goes to stderr', async (t) => {
  const dir = project();
  const r = await runPlay(['site.yaml', '--tags', 'stamp', '--json', '-', ...vars(dir)], { cwd: dir });
  t.is(r.code, 0, r.stderr);
  const events = lines(r.stdout);
  t.is(events[0]!.type, 'run-start');
  t.is(events.at(-1)!.type, 'run-end');
  for (const e of events) t.regex(e.time, ISO, e.type);
  const step = events.find((e) => e.type === 'step' && e.role === 'stamp')!;
  t.is(step.status, 'changed');
  t.is(typeof step.durationMs, 'number');
  const end = events.at(-1)!;
  t.is(end.exitCode, 0);
  t.like(end.recap!.local1, { changed: 1 });
  t.is(typeof end.recap!.local1!.durationMs, 'number');
  t.deepEqual(end.summary!.ok, ['local1']);
  t.regex(r.stderr, /PLAY RECAP/);
  t.regex(r.stderr, /^changed: \[local1\] stamp \| /m);
  t.false(r.stdout.includes('PLAY RECAP'));
  t.is(readFileSync(join(dir, 'stamped.txt'), 'utf8'), 'stamped\n');
});

test('bad input (an unknown tag) still writes --json and --junit: exit 3, the error as a failed testcase', async (t) => {
  const dir = project();
  const r = await runPlay(['site.yaml', '--tags', 'stmap', '--json', 'r.json', '--junit', 'r.xml', ...vars(dir)], { cwd: dir });
  t.is(r.code, 3);
  const report = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8'));
  t.is(report.exitCode, 3);
  t.is(report.aborted.reason, 'bad input');
  t.regex(report.aborted.message, /--tags stmap: no play or role in the playbook has this tag\n {2}-> known tags: slow, stamp/);
  t.regex(report.events[0].time, ISO);
  const xml = readFileSync(join(dir, 'r.xml'), 'utf8');
  t.regex(xml, /<testsuites name="play" tests="1" failures="1" skipped="0"/);
  t.regex(xml, /<testcase classname="play" name="bad input" time="0.000">\n\s+<failure message="[^"]*--tags stmap: no play or role in the playbook has this tag">/);
  t.false(existsSync(join(dir, 'stamped.txt')), 'no host touched');
});

test('a flag the parser refuses still gets its JUnit report (exit 3); --json - prints the error as the one event', async (t) => {
  const dir = project();
  const r = await runPlay(['site.yaml', '--chek', '--junit', 'r.xml'], { cwd: dir });
  t.is(r.code, 3);
  t.regex(r.stderr, /unknown option '--chek'/);
  t.regex(readFileSync(join(dir, 'r.xml'), 'utf8'), /<testcase classname="play" name="bad input" time="0.000">\n\s+<failure message="unknown option &apos;--chek&apos;|<failure message="unknown option '--chek'/);

  const s = await runPlay(['nope.yaml', '--json', '-'], { cwd: dir });
  t.is(s.code, 3);
  const events = lines(s.stdout);
  t.is(events.length, 1);
  t.like(events[0], { type: 'run-end', exitCode: 3, aborted: { reason: 'bad input' } });
  t.regex(events[0]!.aborted!.message, /playbook nope\.yaml not found/);
});

test('--syntax-check (no run) still writes --json: exit 0, no events but the end', async (t) => {
  const dir = project();
  const r = await runPlay(['site.yaml', '--syntax-check', '--json', 'r.json', ...vars(dir)], { cwd: dir });
  t.is(r.code, 0, r.stderr);
  const report = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8'));
  t.like(report, { exitCode: 0, recap: {} });
  t.deepEqual(report.events.map((e: Event) => e.type), ['run-end']);
  t.false('aborted' in report);
});

/** Starts the play, waits for `ready` in its output, sends SIGINT; resolves with everything it printed. */
function interrupt(args: string[], cwd: string, ready: (out: string) => boolean): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; afterMs: number }> {
  return new Promise((resolve, reject) => {
    const child = spawnPlay(args, { cwd });
    let stdout = '';
    let stderr = '';
    let sentAt = 0;
    const check = () => {
      if (!sentAt && ready(stdout)) {
        sentAt = Date.now();
        child.kill('SIGINT');
      }
    };
    child.stdout.on('data', (b: Buffer) => ((stdout += b.toString('utf8')), check()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, afterMs: sentAt ? Date.now() - sentAt : -1 }));
    child.stdin.end();
  });
}

test('SIGINT during a run: the NDJSON stream ends with run-end (exit 130, interrupted, the recap so far) and --junit is written', async (t) => {
  const dir = project();
  const r = await interrupt(['site.yaml', '--json', '-', '--junit', 'r.xml', ...vars(dir)], dir, (out) => out.includes('"role":"sleeper"'));
  t.true(r.afterMs >= 0, `never saw the sleeper start:\n${r.stdout}\n${r.stderr}`);
  t.is(r.code, 130, r.stderr);
  t.true(r.afterMs < 3000, `exited ${r.afterMs} ms after SIGINT, before the 4 s command could end`);
  const events = lines(r.stdout);
  const end = events.at(-1)!;
  t.like(end, { type: 'run-end', exitCode: 130, aborted: { reason: 'interrupted' } });
  t.regex(end.aborted!.message, /SIGINT/);
  t.like(end.recap!.local1, { changed: 1 }, 'the stamp role finished before the interrupt and is in the recap');
  t.regex(r.stderr, /play: SIGINT: stopping/);
  t.regex(r.stderr, /PLAY RECAP/);
  const xml = readFileSync(join(dir, 'r.xml'), 'utf8');
  t.regex(xml, /<testcase classname="play" name="interrupted" time="0.000">\n\s+<failure message="interrupted \(SIGINT\)/);
  t.regex(xml, /<testcase classname="local1.stamp" name="file [^"]*stamped\.txt"/);
});

test('SIGINT during a run writes --json FILE with the events so far', async (t) => {
  const dir = project();
  const r = await interrupt(['site.yaml', '-v', '--json', 'r.json', ...vars(dir)], dir, (out) => out.includes('role sleeper'));
  t.is(r.code, 130, r.stderr);
  const report = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8'));
  t.is(report.exitCode, 130);
  t.is(report.aborted.reason, 'interrupted');
  t.true(report.events.some((e: Event) => e.type === 'role-start' && e.role === 'sleeper'));
  t.regex(r.stdout, /INTERRUPTED: interrupted \(SIGINT\)/);
});

const hasColor = (s: string) => s.includes('\x1b[32m') || s.includes('\x1b[33m');

test('FORCE_COLOR colours output that is not a terminal; FORCE_COLOR=0 and NO_COLOR keep it plain', async (t) => {
  const dir = project();
  const run = (env: NodeJS.ProcessEnv) => runPlay(['site.yaml', '--tags', 'stamp', ...vars(dir)], { cwd: dir, env });
  const forced = await run({ FORCE_COLOR: '1' });
  t.is(forced.code, 0, forced.stderr);
  t.true(hasColor(forced.stdout), forced.stdout);
  t.false(forced.stdout.includes('\r\x1b[2K'), 'no live status line off a terminal');
  t.false(hasColor((await run({ FORCE_COLOR: '0', NO_COLOR: undefined })).stdout));
  t.false(hasColor((await run({ NO_COLOR: '1' })).stdout));
});

const ptyAvailable = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;
(ptyAvailable ? test : test.skip)('on a terminal the output is coloured unless NO_COLOR is set (a real pty)', (t) => {
  const dir = project();
  const [node, args] = playCommand(['site.yaml', '--tags', 'stamp', ...vars(dir)]);
  const line = quoteArgv([node, ...args]);
  const onPty = (env: NodeJS.ProcessEnv) => {
    const env2: NodeJS.ProcessEnv = { ...process.env, ...env };
    for (const k of Object.keys(env2)) if (env2[k] === undefined) delete env2[k];
    return spawnSync('script', ['-qefc', line, '/dev/null'], { cwd: dir, env: env2, encoding: 'utf8' });
  };
  const plain = onPty({ NO_COLOR: '1', FORCE_COLOR: undefined });
  t.is(plain.status, 0, plain.stdout + plain.stderr);
  t.regex(plain.stdout, /PLAY RECAP/);
  t.false(hasColor(plain.stdout), JSON.stringify(plain.stdout.slice(0, 300)));
  const coloured = onPty({ NO_COLOR: undefined, FORCE_COLOR: undefined });
  t.is(coloured.status, 0);
  t.true(hasColor(coloured.stdout), JSON.stringify(coloured.stdout.slice(0, 300)));
});

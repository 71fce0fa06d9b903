// "An interrupted run is finished by the next one": a handler notified by a change is recorded on
// the host before the change is applied, found by the next run's read (in the same round trip),
// and removed only once the handler succeeded. Local transport, markers in a temp directory.
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { markerFile, recordSnippet } from '../../src/engine/run/pending-handlers.js';
import type { Role } from '../../src/resources/role.js';
import { quote } from '../../src/transports/shell.js';
import { LocalTransport } from '../../src/transports/local.js';
import { handlers, roleOf, run, stateDirOf } from './executor-helpers.js';
import { tempDirs } from '../helpers/temp-dirs.js';

const tempDir = tempDirs('regplay-pending-');

/** A config file that notifies `restart`, whose handler appends to a log. */
function scene() {
  const dir = tempDir();
  const transport = new LocalTransport({ host: 'local' });
  const markers = stateDirOf(transport);
  const marker = join(markers, markerFile('restart'));
  const log = join(dir, 'log');
  const config = join(dir, 'config.toml');
  const role = (extra: Partial<Role> = {}) =>
    roleOf(() => [{ kind: 'file', path: config, content: 'v=1\n', notify: ['restart'] }], {
      handlers: () => ({ restart: [{ kind: 'command', argv: ['sh', '-c', `echo restart >> ${quote(log)}`] }] }),
      ...extra,
    });
  const restarts = () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean).length : 0);
  return { dir, transport, markers, marker, config, role, restarts };
}

test('a changed step records its handler on the host before it is applied', async (t) => {
  const s = scene();
  // The step itself checks that the marker is already there when it runs.
  const role = roleOf(() => [{ kind: 'command', argv: ['test', '-e', s.marker], notify: ['restart'] }], { handlers: () => ({ restart: [] }) });
  const r = await run(s.transport, role, false);
  t.is(r.outcome.failed, 0, r.steps.map((x) => x.error).join('; '));
  t.deepEqual(r.outcome.notified, ['restart']);
  t.true(existsSync(s.marker));
});

test('a run killed before its handlers: the next run, with nothing to change, still runs the handler (one read); then it is done', async (t) => {
  const s = scene();
  const killed = await run(s.transport, s.role(), false);
  t.is(killed.outcome.changed, 1);
  t.true(existsSync(s.marker), 'recorded by the killed run');
  // ... killed here: runHandlers never called.

  const before = s.transport.roundTrips;
  const next = await run(s.transport, s.role(), false);
  t.is(s.transport.roundTrips - before, 1, 'the marker is read with everything else');
  t.is(next.outcome.changed, 0);
  t.deepEqual(next.outcome.notified, ['restart']);
  t.like(
    next.steps.find((e) => e.step === 'handler restart'),
    { status: 'ok', why: 'pending from an interrupted run: notified by an earlier run that ended before its handlers ran' },
  );
  const h = await handlers(s.transport, s.role(), next.outcome.notified, false);
  t.deepEqual(h.events.map((e) => e.type === 'handler' && [e.handler, e.status]), [['restart', 'changed']]);
  t.is(s.restarts(), 1);
  t.false(existsSync(s.marker), 'removed once the handler succeeded');

  const third = await run(s.transport, s.role(), false);
  t.deepEqual(third.outcome.notified, []);
  t.deepEqual(third.steps.map((e) => e.step), [`file ${s.config}`]);
});

test('a no-op run is one read round trip and finds no marker', async (t) => {
  const s = scene();
  await run(s.transport, s.role(), false);
  await handlers(s.transport, s.role(), ['restart'], false);
  const before = s.transport.roundTrips;
  const r = await run(s.transport, s.role(), false);
  t.is(s.transport.roundTrips - before, 1);
  t.deepEqual(r.outcome.notified, []);
  t.deepEqual(readdirSync(s.markers), []);
});

test('a failing handler keeps its marker (and those after it); one that needed nothing loses it', async (t) => {
  const s = scene();
  const role = roleOf(
    () => [{ kind: 'file', path: s.config, content: 'v=1\n', notify: ['settled', 'broken', 'last'] }],
    {
      handlers: () => ({
        settled: [{ kind: 'command', argv: ['false'], creates: s.config }],
        broken: [{ kind: 'command', argv: ['sh', '-c', 'echo cannot restart >&2; exit 1'] }],
        last: [{ kind: 'command', argv: ['true'] }],
      }),
    },
  );
  const r = await run(s.transport, role, false);
  const h = await handlers(s.transport, role, r.outcome.notified, false);
  t.deepEqual(h.events.map((e) => e.type === 'handler' && [e.handler, e.status]), [['settled', 'ok'], ['broken', 'failed']]);
  t.deepEqual(readdirSync(s.markers).sort(), [markerFile('broken'), markerFile('last')].sort());
  const next = await run(s.transport, role, false);
  t.deepEqual(next.outcome.notified.sort(), ['broken', 'last'], 'retried by the next run');
});

test('check mode records nothing and removes nothing; a pending marker is reported as would-run', async (t) => {
  const s = scene();
  const check = await run(s.transport, s.role(), true);
  t.deepEqual(check.outcome.notified, ['restart']);
  t.false(existsSync(s.markers), 'nothing recorded under --check');

  await run(s.transport, s.role(), false); // "killed" before its handlers
  const again = await run(s.transport, s.role(), true);
  t.deepEqual(again.outcome.notified, ['restart']);
  t.truthy(again.steps.find((e) => e.step === 'handler restart' && /interrupted run/.test(e.why ?? '')));
  const h = await handlers(s.transport, s.role(), again.outcome.notified, true);
  t.like(h.events[0], { type: 'handler', handler: 'restart', status: 'changed', check: true });
  t.is(s.restarts(), 0);
  t.true(existsSync(s.marker), 'kept for the real run');
});

test('markers go to the first directory that takes them; none taking them stops the apply with a message', (t) => {
  const dir = tempDir();
  const blocker = join(dir, 'file');
  writeFileSync(blocker, '');
  const good = join(dir, 'state');
  const sh = (script: string) => execFileSync('sh', ['-c', script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  sh(recordSnippet([quote(join(blocker, 'x')), quote(good)], ['restart containerd']));
  t.deepEqual(readdirSync(good), [markerFile('restart containerd')]);
  const error = t.throws(() => sh(recordSnippet([quote(join(blocker, 'x'))], ['restart containerd']))) as Error & { stderr: string };
  t.regex(error.stderr, /cannot record the pending handlers restart containerd in .*file\/x/);
});

test('marker file names are safe and distinct', (t) => {
  t.is(markerFile('restart containerd'), Buffer.from('restart containerd').toString('hex'));
  t.regex(markerFile('x'.repeat(300)), /^sha256-[0-9a-f]{64}$/);
  t.not(markerFile('a/b'), markerFile('a_b'));
});

// Check mode and cross-host facts: under the user's --check, facts are registered as they would be
// after the plan, and a role waiting for a fact that only an apply creates is skipped, not failed.
// Read-only hosts of an apply run register what the host really has.
import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EngineEvent } from '../../src/engine/events.js';
import { executeRole } from '../../src/engine/run/executor.js';
import { PendingFactError } from '../../src/errors.js';
import { LocalTransport } from '../../src/transports/local.js';
import { ctx, roleOf } from './executor-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'check-facts-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

async function register(check: boolean, registerPlanned: boolean) {
  const path = join(dir, `ca-${check}-${registerPlanned}.crt`);
  const role = roleOf(() => [{ kind: 'file', path, content: 'CA\n', register: 'ca' }]);
  const outcome = await executeRole({ transport: new LocalTransport({ host: 'local' }), role, ctx, play: 'p', check, registerPlanned, diff: false, emit: () => {} });
  return outcome.registered.ca as { exists: boolean; content: string | null };
}

test('--check registers the file as it would be after the plan', async (t) => {
  const fact = await register(true, true);
  t.deepEqual([fact.exists, fact.content], [true, 'CA\n']);
});

test('a read-only host (check forced by --limit) registers what the host really has', async (t) => {
  const fact = await register(true, false);
  t.deepEqual([fact.exists, fact.content], [false, null]);
});

async function waiting(check: boolean) {
  const events: EngineEvent[] = [];
  const role = roleOf(() => {
    throw new PendingFactError('the registry Service has no cluster IP yet');
  });
  const outcome = await executeRole({ transport: new LocalTransport({ host: 'local' }), role, ctx, play: 'p', check, diff: false, emit: (e) => events.push(e) });
  return { outcome, step: events.find((e): e is Extract<EngineEvent, { type: 'step' }> => e.type === 'step')! };
}

test('under --check a role waiting for another host\'s fact is skipped with the reason', async (t) => {
  const { outcome, step } = await waiting(true);
  t.is(outcome.error, undefined);
  t.deepEqual([outcome.failed, outcome.skipped], [0, 1]);
  t.is(step.status, 'skipped');
  t.regex(step.why ?? '', /no cluster IP yet/);
});

test('in an apply the same missing fact fails the host', async (t) => {
  const { outcome, step } = await waiting(false);
  t.true(outcome.error instanceof PendingFactError);
  t.is(outcome.failed, 1);
  t.is(step.status, 'failed');
});

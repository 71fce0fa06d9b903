// Shared helpers for executor tests: a role from a list of resources, an event log, and a
// pending-handlers directory per transport (never the machine's /var/lib/regplay).
import type { ExecutionContext } from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EngineEvent } from '../../src/engine/events.js';
import { executeRole, runHandlers, type RoleOutcome } from '../../src/engine/run/executor.js';
import type { Role, RoleContext } from '../../src/resources/role.js';
import type { FactQuery, Resource } from '../../src/resources/types.js';
import type { Transport } from '../../src/transports/types.js';

export function roleOf(resources: () => Resource[], extra: Partial<Role> = {}): Role {
  return { name: 'test-role', plan: resources, ...extra };
}

export const ctx: RoleContext = {
  host: { name: 'local', groups: [] },
  vars: {},
  hostvars: () => ({}),
  groups: {},
  template: () => '',
};

/** The context of the host the transport reaches (events name ctx.host). */
const ctxOn = (transport: Transport): RoleContext => ({ ...ctx, host: { ...ctx.host, name: transport.host } });

const stateRoot = mkdtempSync(join(tmpdir(), 'regplay-state-'));
process.on('exit', () => rmSync(stateRoot, { recursive: true, force: true }));
const stateDirs = new WeakMap<Transport, string>();

/** The pending-handlers directory the helpers use for this transport (not created until a marker is). */
export function stateDirOf(transport: Transport): string {
  let dir = stateDirs.get(transport);
  if (!dir) stateDirs.set(transport, (dir = mkdtempSync(join(stateRoot, 'host-'))));
  return join(dir, 'pending-handlers');
}

export interface Run {
  outcome: RoleOutcome;
  events: EngineEvent[];
  steps: Array<Extract<EngineEvent, { type: 'step' }>>;
}

export async function run(transport: Transport, role: Role, check: boolean, diff = true): Promise<Run> {
  const events: EngineEvent[] = [];
  const outcome = await executeRole({ transport, role, ctx: ctxOn(transport), play: 'p', check, diff, emit: (e) => events.push(e), stateDir: stateDirOf(transport) });
  return { outcome, events, steps: events.filter((e): e is Extract<EngineEvent, { type: 'step' }> => e.type === 'step') };
}

export async function handlers(transport: Transport, role: Role, names: string[], check: boolean): Promise<Run> {
  const events: EngineEvent[] = [];
  const outcome = await runHandlers({ transport, role, ctx: ctxOn(transport), play: 'p', check, diff: true, emit: (e) => events.push(e), names, stateDir: stateDirOf(transport) });
  return { outcome, events, steps: [] };
}

export type Facts = Record<string, FactQuery>;

/** Ansible's three runs: check (reports changes, touches nothing) → apply (changed) → apply again (changed=0). */
export async function threeRunsOn(t: ExecutionContext, transport: Transport, resources: Resource[], untouched: () => void | Promise<void>, converged: () => void | Promise<void>): Promise<void> {
  const role = roleOf(() => resources);
  const check = await run(transport, role, true);
  t.true(check.outcome.changed > 0, `check reports changes: ${JSON.stringify(check.steps)}`);
  t.is(check.outcome.failed, 0, check.steps.map((s) => s.error).join('; '));
  await untouched();
  const apply = await run(transport, role, false);
  t.is(apply.outcome.failed, 0, apply.steps.map((s) => s.error).join('; '));
  t.is(apply.outcome.changed, check.outcome.changed, 'apply changes what check planned');
  t.deepEqual(apply.steps.map((s) => s.actions), check.steps.map((s) => s.actions));
  await converged();
  const again = await run(transport, role, false);
  t.is(again.outcome.changed, 0, JSON.stringify(again.steps.filter((s) => s.status !== 'ok')));
  t.is(again.outcome.failed, 0);
  await converged();
}

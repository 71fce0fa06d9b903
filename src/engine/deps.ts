// What the orchestration needs from the executor and the transports (see executor.contract.md).
// Injected so the orchestration is testable with fakes; defaults.ts wires the real ones.
import type { Resource } from '../resources/types.js';
import type { Role, RoleContext } from '../resources/role.js';
import type { Transport } from '../transports/types.js';
import type { Emit } from './events.js';
import type { ConnectionParams } from './inventory.js';

export interface ExecuteRoleOptions {
  transport: Transport;
  role: Role;
  ctx: RoleContext;
  play: string;
  check: boolean;
  diff: boolean;
  emit: Emit;
  onPlan?: (resources: Resource[]) => void;
}

export interface RoleOutcome {
  ok: number;
  changed: number;
  failed: number;
  skipped: number;
  notified: string[];
  registered: Record<string, unknown>;
  error?: Error;
}

export interface EngineDeps {
  executeRole(o: ExecuteRoleOptions): Promise<RoleOutcome>;
  runHandlers(o: ExecuteRoleOptions & { names: string[] }): Promise<RoleOutcome>;
  /** A transport for the host, not yet connected (the engine calls connect() once). */
  connect(conn: ConnectionParams): Transport;
}

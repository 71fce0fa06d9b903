// What the orchestration needs from the executor and the transports (see executor.contract.md).
// Injected so the orchestration is testable with fakes; defaults.ts wires the real ones.
import type { Transport } from '../../transports/types.js';
import type { ExecuteRoleOptions, RoleOutcome } from './executor.js';
import type { ConnectionParams } from '../load/inventory.js';

export type { ExecuteRoleOptions, RoleOutcome };

export interface EngineDeps {
  executeRole(o: ExecuteRoleOptions): Promise<RoleOutcome>;
  runHandlers(o: ExecuteRoleOptions & { names: string[] }): Promise<RoleOutcome>;
  /** A transport for the host, not yet connected (the engine calls connect() once). */
  connect(conn: ConnectionParams): Transport;
}

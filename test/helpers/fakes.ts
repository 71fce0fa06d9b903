// Fake executor, transports and roles for testing the orchestration and the CLI without hosts.
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { EngineDeps, ExecuteRoleOptions, RoleOutcome } from '../../src/engine/run/deps.js';
import type { EngineEvent } from '../../src/engine/events.js';
import type { ConnectionParams } from '../../src/engine/load/inventory.js';
import type { LoadedRole, RoleCatalog } from '../../src/engine/load/roles.js';
import type { Role } from '../../src/resources/role.js';
import { UnreachableError } from '../../src/errors.js';
import type { Transport } from '../../src/transports/types.js';

export interface Call {
  host: string;
  role: string;
  play: string;
  check: boolean;
  names?: string[];
}

export interface FakeWorld {
  deps: EngineDeps;
  connects: string[];
  closes: string[];
  calls: Call[];
  handlerCalls: Call[];
}

export type Script = (o: ExecuteRoleOptions) => Partial<RoleOutcome> | Promise<Partial<RoleOutcome>>;

export function fakeWorld(opts: { script?: Script; handlerScript?: Script; unreachable?: string[] } = {}): FakeWorld {
  const w: FakeWorld = { connects: [], closes: [], calls: [], handlerCalls: [], deps: undefined as unknown as EngineDeps };
  const outcome = (p: Partial<RoleOutcome>): RoleOutcome => ({ ok: 0, changed: 0, failed: 0, skipped: 0, notified: [], registered: {}, ...p });
  w.deps = {
    async executeRole(o) {
      w.calls.push({ host: o.ctx.host.name, role: o.role.name, play: o.play, check: o.check });
      return outcome((await opts.script?.(o)) ?? { ok: 1 });
    },
    async runHandlers(o) {
      w.handlerCalls.push({ host: o.ctx.host.name, role: o.role.name, play: o.play, check: o.check, names: o.names });
      return outcome((await opts.handlerScript?.(o)) ?? { changed: o.names.length });
    },
    connect(c: ConnectionParams): Transport {
      return {
        host: c.name,
        user: c.user ?? 'root',
        roundTrips: 0,
        async connect() {
          w.connects.push(c.name);
          if (opts.unreachable?.includes(c.name)) throw new UnreachableError(c.name, 'connect ECONNREFUSED 127.0.0.1:1');
        },
        async exec() {
          return { code: 0, stdout: '', stderr: '' };
        },
        async close() {
          w.closes.push(c.name);
        },
      };
    },
  };
  return w;
}

export function fakeRole(name: string, extra: Partial<Role> = {}): Role {
  return { name, plan: () => [], ...extra };
}

export function fakeCatalog(roles: Role[], defaults: Record<string, Record<string, unknown>> = {}): RoleCatalog {
  return {
    known: () => roles.map((r) => r.name).sort(),
    async load(name): Promise<LoadedRole | undefined> {
      const role = roles.find((r) => r.name === name);
      return role && { name, role, defaults: { vars: { ...defaults[name] }, origins: {} } };
    },
  };
}

/** A temp directory with the given files (relative path → content). */
export function tempTree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'regplay-test-'));
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), content);
  }
  return dir;
}

export function collector(): { events: EngineEvent[]; emit: (e: EngineEvent) => void } {
  const events: EngineEvent[] = [];
  return { events, emit: (e) => events.push(e) };
}

export const labInventory = `all:
  vars:
    registry_name: registry.lab
  children:
    control_plane:
      hosts:
        cp1: {host: 127.0.0.1, port: 2201}
    workers:
      hosts:
        w1: {host: 127.0.0.1, port: 2202}
        w2: {host: 127.0.0.1, port: 2203}
    build:
      hosts:
        b1: {host: 127.0.0.1, port: 2204}
`;

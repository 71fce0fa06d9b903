// .lab/<name>/lab.json: written before anything is created, so `down` can clean up after a crash.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { labDir } from './paths.js';

export interface HostState {
  groups: string[];
  ns: string;
  address: string;
  veth: string;
  initPid?: number;
}

export interface LabState {
  name: string;
  /** The process that brought the lab up (pid and its start time, so a reused pid does not count). */
  owner?: { pid: number; start: string };
  /** Brought up to stay (CLI, demo): `lab:down` removes it even while its owner runs. */
  persist?: boolean;
  subnet: number;
  bridge: string;
  hosts: Record<string, HostState>;
  standinPid?: number;
}

export const statePath = (name: string): string => join(labDir(name), 'lab.json');

export function readState(name: string): LabState | undefined {
  const p = statePath(name);
  if (!existsSync(p)) return undefined;
  try {
    return JSON.parse(readFileSync(p, 'utf8')) as LabState;
  } catch {
    return undefined;
  }
}

export function writeState(state: LabState): void {
  writeFileSync(statePath(state.name), JSON.stringify(state, null, 2) + '\n');
}

/** Start time of a process (field 22 of /proc/<pid>/stat), or undefined when it is gone. */
export function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** A test process that is still running owns its lab: `lab:down` without --all leaves it alone. */
export function inUse(state: LabState | undefined): boolean {
  if (!state?.owner || state.persist) return false;
  return processStart(state.owner.pid) === state.owner.start;
}

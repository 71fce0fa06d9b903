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

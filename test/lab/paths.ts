// Where a lab keeps its state on the machine, and how its kernel objects are named.
import { fileURLToPath } from 'node:url';
import { join, resolve } from 'node:path';

export const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const labsRoot = join(repoRoot, '.lab');

export const labDir = (name: string): string => join(labsRoot, name);
/** `rp-<lab>.<host>`: neither part may contain a dot, so a namespace name maps back to one lab. */
export const nsName = (lab: string, host: string): string => `rp-${lab}.${host}`;
export const bridgeName = (subnet: number): string => `rplab${subnet}`;
export const vethName = (subnet: number, index: number): string => `rpv${subnet}h${index}`;
export const hostAddress = (subnet: number, index: number): string => `10.213.${subnet}.${10 + index}`;
export const bridgeAddress = (subnet: number): string => `10.213.${subnet}.1`;

const namePattern = /^[a-z][a-z0-9-]{0,30}$/;
const hostPattern = /^[a-z][a-z0-9-]{0,30}$/;

export function checkLabName(name: string): void {
  if (!namePattern.test(name)) throw new Error(`lab name '${name}' must match ${namePattern} (it names namespaces and .lab/<name>)`);
}

export function checkHostName(host: string): void {
  if (!hostPattern.test(host)) throw new Error(`lab host name '${host}' must match ${hostPattern}`);
}

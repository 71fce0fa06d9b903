// Where a lab keeps its state on the machine, and how its kernel objects are named.
import { fileURLToPath } from 'node:url';
import { join, resolve } from 'node:path';

export const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const labsRoot = join(repoRoot, '.lab');

export const labDir = (name: string): string => join(labsRoot, name);
/**
 * RP_LAB_TAG (a few lowercase letters/digits) keeps the labs of several checkouts that run tests on one
 * machine at once apart: their namespaces are `rp-<tag><lab>.<host>`. Unset (CI, one checkout): `rp-<lab>.<host>`.
 */
export const labTag = checkTag(process.env.RP_LAB_TAG ?? '');
export const nsPrefix = `rp-${labTag}`;
/** `rp-<tag><lab>.<host>`: neither part may contain a dot, so a namespace name maps back to one lab. */
export const nsName = (lab: string, host: string): string => `${nsPrefix}${lab}.${host}`;
/** Subnet claims are machine-wide: every checkout's labs share the 10.213.0.0/16 range and its bridges. */
export const subnetClaimsDir = '/run/regplay-lab/subnets';
export const bridgeName = (subnet: number): string => `rplab${subnet}`;
export const vethName = (subnet: number, index: number): string => `rpv${subnet}h${index}`;
export const hostAddress = (subnet: number, index: number): string => `10.213.${subnet}.${10 + index}`;
export const bridgeAddress = (subnet: number): string => `10.213.${subnet}.1`;
/** At most this many hosts (.10-.109): the stand-in's pods and Services have the addresses above them. */
export const maxHosts = 100;
/** The stand-in's pod addresses (.129-.190) and Service cluster IPs (.225-.238), on the lab's /24. */
export const podCidr = (subnet: number): string => `10.213.${subnet}.128/26`;
export const serviceCidr = (subnet: number): string => `10.213.${subnet}.224/28`;

const namePattern = /^[a-z][a-z0-9-]{0,30}$/;
const hostPattern = /^[a-z][a-z0-9-]{0,30}$/;

export function checkLabName(name: string): void {
  if (!namePattern.test(name)) throw new Error(`lab name '${name}' must match ${namePattern} (it names namespaces and .lab/<name>)`);
}

export function checkHostName(host: string): void {
  if (!hostPattern.test(host)) throw new Error(`lab host name '${host}' must match ${hostPattern}`);
}

function checkTag(tag: string): string {
  if (!/^[a-z0-9]{0,6}$/.test(tag)) throw new Error(`RP_LAB_TAG '${tag}' must be up to 6 lowercase letters or digits`);
  return tag;
}

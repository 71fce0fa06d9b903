// Tearing a lab down, also after a crash: every process in its namespaces, the namespaces (their
// mounts die with the last process in them), veths, bridge, state directory and subnet claim.
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { allLabNamespaces, labNamespaces, removeNetwork } from './net.js';
import { labDir, labsRoot, nsPrefix } from './paths.js';
import { inUse, readState, statePath } from './state.js';
import { releaseSubnet, releaseUnownedSubnets } from './subnet.js';
import { run, sleep } from './run.js';

export async function labDown(name: string): Promise<void> {
  const state = readState(name);
  const namespaces = [...new Set([...(await labNamespaces(name)), ...Object.values(state?.hosts ?? {}).map((h) => h.ns)])];
  await killAll(namespaces);
  await removeNetwork(state ? state.bridge : undefined, namespaces);
  if (state) releaseSubnet(name, state.subnet);
  releaseSubnet(name);
  rmSync(labDir(name), { recursive: true, force: true });
}

/**
 * Every lab: those with a .lab/<name>/lab.json and any namespace or bridge left without one
 * (other files and directories in .lab/ are not the lab's and are left alone).
 * Unless `force`, a lab whose test process is still running is left alone (returned in `skipped`).
 */
export async function labDownAll(opts: { force?: boolean } = {}): Promise<{ down: string[]; skipped: string[] }> {
  const names = new Set<string>();
  if (existsSync(labsRoot)) for (const d of readdirSync(labsRoot)) if (existsSync(statePath(d))) names.add(d);
  for (const ns of await allLabNamespaces()) names.add(ns.slice(nsPrefix.length, ns.indexOf('.')));
  const skipped = opts.force ? [] : [...names].filter((n) => inUse(readState(n)));
  const down = [...names].filter((n) => !skipped.includes(n));
  for (const name of down) await labDown(name);
  if (!skipped.length) {
    // Bridges whose subnet no live lab of any checkout claims are leftovers of a crash.
    const claimed = releaseUnownedSubnets();
    const bridges = (await run('ip', ['-o', 'link', 'show', 'type', 'bridge'])).stdout.match(/\brplab\d+\b/g) ?? [];
    for (const br of new Set(bridges)) if (!claimed.has(Number(br.slice('rplab'.length)))) await run('ip', ['link', 'del', br]);
  }
  return { down, skipped };
}

/** Every lab process (sshd, containerd, stand-in, host init) runs in the lab's network namespaces. */
async function killAll(namespaces: string[]): Promise<void> {
  const collect = async (): Promise<number[]> => {
    const found = new Set<number>();
    for (const ns of namespaces) {
      const out = (await run('ip', ['netns', 'pids', ns])).stdout;
      for (const p of out.split(/\s+/)) if (/^\d+$/.test(p)) found.add(Number(p));
    }
    return [...found].filter((p) => p > 1 && p !== process.pid && alive(p));
  };
  let pids = await collect();
  signal(pids, 'SIGTERM');
  for (let i = 0; i < 100 && pids.length; i++) {
    await sleep(30);
    pids = pids.filter(alive);
  }
  if (pids.length) signal(await collect(), 'SIGKILL');
  for (let i = 0; i < 100; i++) {
    if (!(await collect()).length) return;
    await sleep(30);
  }
}

function signal(pids: number[], sig: NodeJS.Signals): void {
  for (const p of pids) {
    try {
      process.kill(p, sig);
    } catch {
      // already gone
    }
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !isZombie(pid);
  } catch {
    return false;
  }
}

function isZombie(pid: number): boolean {
  try {
    return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

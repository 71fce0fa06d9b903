// Where a `play` run spends its time: a V8 .cpuprofile (node --cpu-prof) summed by self time per
// package or source folder. "(idle)" is time waiting (for the hosts, for the network).
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

/** The bucket a frame's time is charged to: a package, a source folder, node internals, or V8's own. */
export function bucketOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  if (url.startsWith('node:')) return 'node internals';
  const own = /\/(src\/[^/]+|roles\/[^/]+|bench|bin)\//.exec(url);
  if (own) return own[1]!;
  return url;
}

export function summarizeProfile(profile: CpuProfile): Array<{ bucket: string; ms: number }> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const ms = new Map<string, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    const node = byId.get(samples[i]!);
    if (!node) continue;
    const b = bucketOf(node.callFrame.url, node.callFrame.functionName);
    ms.set(b, (ms.get(b) ?? 0) + (deltas[i] ?? 0) / 1000);
  }
  return [...ms.entries()].map(([bucket, v]) => ({ bucket, ms: v })).sort((a, b) => b.ms - a.ms);
}


/** The functions with the most self time (idle excluded), as "name file:line". */
export function topFunctions(profile: CpuProfile, n: number): Array<{ frame: string; ms: number }> {
  const byId = new Map(profile.nodes.map((x) => [x.id, x]));
  const ms = new Map<string, number>();
  (profile.samples ?? []).forEach((id, i) => {
    const f = byId.get(id)?.callFrame;
    if (!f || f.functionName === '(idle)') return;
    const key = `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/(dist\/|roles\/|bench\/)/, '$1')}`;
    ms.set(key, (ms.get(key) ?? 0) + (profile.timeDeltas?.[i] ?? 0) / 1000);
  });
  return [...ms.entries()].map(([frame, v]) => ({ frame, ms: v })).sort((a, b) => b.ms - a.ms).slice(0, n);
}

/** Busy (non-idle) milliseconds in each `windowMs` slice of the run: where the process waits. */
export function busyTimeline(profile: CpuProfile, windowMs: number): number[] {
  const byId = new Map(profile.nodes.map((x) => [x.id, x]));
  const busy: number[] = [];
  let t = 0;
  (profile.samples ?? []).forEach((id, i) => {
    const d = (profile.timeDeltas?.[i] ?? 0) / 1000;
    t += d;
    const slot = Math.floor(t / windowMs);
    while (busy.length <= slot) busy.push(0);
    if (byId.get(id)?.callFrame.functionName !== '(idle)') busy[slot]! += d;
  });
  return busy;
}

export function readProfile(path: string): CpuProfile {
  return JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
}

// The RESULTS.md table for one host count, and splicing it into the file (one section per host
// count, replaced on re-run; everything outside the markers is kept as written).
import type { Machine } from './machine.js';
import type { RoundTripFigure } from './play-report.js';
import { speedup, type Summary } from './stats.js';

export interface BenchResult {
  hosts: number;
  layout: string;
  runs: number;
  date: string;
  machine: Machine;
  playCommand: string;
  nodeConverge: { play: Summary; ansible?: Summary };
  nodeNoop: { play: Summary; ansible?: Summary };
  siteNoop?: Summary;
  /** Peak RSS of `play` in MiB, max over the runs of each figure. */
  peakRss: { nodeConverge?: number; nodeNoop?: number; siteNoop?: number };
  roundTrips: { nodeNoop: RoundTripFigure; siteNoop?: RoundTripFigure };
  /** changed= totals on runs that should be no-ops (anything but 0 is reported). */
  noopChanged: { play: number; ansible?: number; site?: number };
  baseline: { nodeStart: Summary; playHelp?: Summary };
  /** 1-minute load average when the measurements started and ended (other work on the machine). */
  load: { before: number; after: number };
  notes: string[];
}

type Verdict = boolean | undefined;

const timing = (s?: Summary): string => {
  if (!s) return '—';
  const digits = s.median >= 10_000 ? 1 : 2;
  const sec = (ms: number) => (ms / 1000).toFixed(digits);
  return `${sec(s.median)} s (${sec(s.min)}–${sec(s.max)})`;
};
const times = (x: number): string => `${x >= 10 ? x.toFixed(0) : x.toFixed(1)}×`;
const verdict = (v: Verdict): string => (v === undefined ? '—' : v ? 'yes' : '**no**');

/** Targets from issues 7 and 14, by host count (8 and 50 are the measured configurations). */
export function targets(r: BenchResult) {
  const at8 = r.hosts === 8;
  const at50 = r.hosts === 50;
  const convergeRatio = r.nodeConverge.ansible && speedup(r.nodeConverge.ansible, r.nodeConverge.play);
  const noopRatio = r.nodeNoop.ansible && speedup(r.nodeNoop.ansible, r.nodeNoop.play);
  const rss = Math.max(...Object.values(r.peakRss).filter((v): v is number => v !== undefined));
  // Issue 14: one exec per host for the whole no-op run; one more where a fact of another host must
  // exist first (site.yaml's nodes wait for the control plane's CA and Service IP; the node roles do not).
  const nodeTrips = r.roundTrips.nodeNoop.maxPerHost;
  const siteTrips = r.roundTrips.siteNoop?.maxPerHost;
  const within = (s: Summary | undefined, ms: number) => (s ? s.median <= ms : undefined);
  return {
    converge: { target: at8 ? '≥ 10×' : '', met: at8 && convergeRatio ? convergeRatio >= 10 : undefined, ratio: convergeRatio },
    noop: {
      target: at8 ? '≥ 20×' : at50 ? '≤ 3 s' : '',
      met: at8 ? (noopRatio ? noopRatio >= 20 : undefined) : at50 ? within(r.nodeNoop.play, 3000) : undefined,
      ratio: noopRatio,
    },
    site: {
      target: at8 ? '≤ 1.0 s' : at50 ? '≤ 3 s' : '',
      met: at8 ? within(r.siteNoop, 1000) : at50 ? within(r.siteNoop, 3000) : undefined,
    },
    // The issue's 150 MB read as MiB would be looser; MB (10^6 bytes) is the stricter reading.
    rss: { target: at50 ? '≤ 150 MB' : '', met: at50 && Number.isFinite(rss) ? (rss * 2 ** 20) / 1e6 <= 150 : undefined, value: rss },
    trips: { target: '≤ 1 / ≤ 2', met: nodeTrips <= 1 && (siteTrips === undefined || siteTrips <= 2) },
    startup: { target: '≤ 0.15 s', met: within(r.baseline.playHelp, 150) },
  };
}

export function renderSection(r: BenchResult): string {
  const t = targets(r);
  const rss = (v?: number) => (v === undefined ? '—' : `${v.toFixed(0)} MiB`);
  const trips = (f?: RoundTripFigure) => (f ? `${f.maxPerHost} (${fmt(f.maxPerHostPerPlay)} per play)` : '—');
  const lines = [
    `## ${r.hosts} hosts (${r.layout})`,
    '',
    `Measured ${r.date}, ${r.runs} runs per figure, the two tools alternating on the same lab hosts; first`,
    `converge starts from the same reset files for both. \`play\` was run as \`${r.playCommand}\`.`,
    '',
    `Machine: ${r.machine.cpu}, ${r.machine.memory}, ${r.machine.os}.`,
    `Versions: ${Object.entries(r.machine.versions).map(([k, v]) => `${k} ${v}`).join(' · ')}.`,
    `Load average (1 min) before the first measurement / after the last (the tools' own work included): ${r.load.before.toFixed(2)} / ${r.load.after.toFixed(2)}.`,
    '',
    '| Figure | `play` median (min–max) | Ansible median (min–max) | Ratio | Target | Met |',
    '|---|---|---|---|---|---|',
    `| Node roles, first converge | ${timing(r.nodeConverge.play)} | ${timing(r.nodeConverge.ansible)} | ${t.converge.ratio ? times(t.converge.ratio) : '—'} | ${t.converge.target || '—'} | ${verdict(t.converge.met)} |`,
    `| Node roles, no-op re-run | ${timing(r.nodeNoop.play)} | ${timing(r.nodeNoop.ansible)} | ${t.noop.ratio ? times(t.noop.ratio) : '—'} | ${t.noop.target || '—'} | ${verdict(t.noop.met)} |`,
    `| \`site.yaml\` (all roles), no-op re-run | ${timing(r.siteNoop)} | — | — | ${t.site.target || '—'} | ${verdict(t.site.met)} |`,
    `| Peak RSS of \`play\` (converge / no-op / site no-op) | ${rss(r.peakRss.nodeConverge)} / ${rss(r.peakRss.nodeNoop)} / ${rss(r.peakRss.siteNoop)} | — | — | ${t.rss.target || '—'} | ${verdict(t.rss.met)} |`,
    `| Exec round trips per host for the whole no-op run, worst host (node roles / site.yaml) | ${trips(r.roundTrips.nodeNoop)} / ${trips(r.roundTrips.siteNoop)} | — | — | ${t.trips.target} | ${verdict(t.trips.met)} |`,
    `| Start-up: \`node -e 0\` / \`play --help\` | ${timing(r.baseline.nodeStart)} / ${timing(r.baseline.playHelp)} | — | — | ${t.startup.target} (\`play --help\`) | ${verdict(t.startup.met)} |`,
    '',
    `No-op runs reported changed = ${r.noopChanged.play} (play, node roles)${r.noopChanged.ansible === undefined ? '' : `, ${r.noopChanged.ansible} (Ansible)`}${r.noopChanged.site === undefined ? '' : `, ${r.noopChanged.site} (play site.yaml)`}, summed over hosts and runs.`,
  ];
  if (r.notes.length) lines.push('', ...r.notes.map((n) => `- ${n}`));
  return lines.join('\n');
}

function fmt(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(1);
}

const open = (hosts: number) => `<!-- bench:hosts=${hosts} -->`;
const close = (hosts: number) => `<!-- /bench:hosts=${hosts} -->`;
const SECTIONS_END = '<!-- bench:sections-end -->';

export const RESULTS_HEADER = `# Benchmark: \`play\` against Ansible on the same hosts

Run by hand, never in CI: \`npm run bench -- --hosts 8 --runs 3\` (as root; it brings up a lab named
\`bench\`, see test/lab/README.md). Each section below is rewritten by the run for its host count.
What is measured, on the same lab hosts and in one run, the two tools alternating:

- \`play bench/playbook.yaml\`: the node roles (containerd-trust, docker-trust, dns-hosts, fstab-nfs),
  first converge and no-op re-run;
- \`ansible-playbook bench/ansible/playbook.yml\`: the same work with ansible-core builtins, same
  variables file, pipelining on, ControlPersist, \`--forks N\`, \`gather_facts: false\`, no interpreter
  discovery; first converge and no-op re-run;
- \`play site.yaml\` (all roles, cluster stand-in included): no-op re-run.

Hosts are reset to the same files before every first-converge measurement. Wall time is from spawn to
exit (Node start-up included); peak RSS is GNU time's \`%M\`; round trips are the per-host
\`roundTrips\` of the \`--json\` report for the whole run (per play in brackets).
\`node --import tsx bench/profile.ts --hosts N\` times the parts of a no-op run and profiles one (see the
last section).

${SECTIONS_END}
`;

export function spliceSection(existing: string | null, hosts: number, section: string): string {
  let text = existing ?? RESULTS_HEADER;
  const block = `${open(hosts)}\n${section}\n${close(hosts)}`;
  const start = text.indexOf(open(hosts));
  const end = text.indexOf(close(hosts));
  if (start !== -1 && end > start) return text.slice(0, start) + block + text.slice(end + close(hosts).length);
  if (!text.includes(SECTIONS_END)) text = `${text.trimEnd()}\n\n${SECTIONS_END}\n`;
  return text.replace(SECTIONS_END, `${block}\n\n${SECTIONS_END}`);
}

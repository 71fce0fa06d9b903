// The host × check table `play verify` prints after its run, and the failures under it.
import { LAYERS } from './checks.js';
import type { HostVerdicts, VerifyResult } from './verify.js';

export function formatTable(rows: HostVerdicts[], undetected: VerifyResult['undetected'] = []): string {
  if (!rows.length && !undetected.length) return 'verify: no host to check (nothing in --limit runs containerd-trust, docker-trust or node-trust with a runtime found)\n';
  const header = ['host', 'runtime', ...LAYERS];
  const cells = [...rows.map((row) => [
    row.host,
    row.runtime,
    ...LAYERS.map((layer) => {
      const r = row.results.find((x) => x.id === layer);
      if (!r) return row.results.length ? '-' : 'unreachable';
      if (r.status === 'failed') return 'FAIL';
      if (r.status === 'skipped') return 'skip';
      return r.facts?.warning ? 'WARN' : 'ok';
    }),
  ]), ...undetected.map((u) => [u.host, 'none found', ...LAYERS.map(() => '-')])];
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => c.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd();
  const out = ['', 'VERIFY', line(header), ...cells.map(line)];
  const problems = [
    ...rows.flatMap((row) => row.results.filter((r) => r.status === 'failed' || r.facts?.warning).map((r) => `  ${row.host}: ${r.message}`)),
    ...undetected.map((u) => `  ${u.host}: ${u.message}`),
  ];
  if (problems.length) out.push('', ...problems);
  return `${out.join('\n')}\n`;
}

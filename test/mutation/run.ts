// npm run mutate [-- module...]: StrykerJS over the pure modules, one module at a time, each mutant
// judged by that module's own ava tests (Stryker's command runner: there is no ava runner). Slow on
// two cores, so not in CI; run it nice'd. Writes reports/mutation/<module>.json (Stryker's report)
// and prints per module the score and every surviving mutant; docs/mutation.md keeps the results.
// `--again`: only the last report's survivors are mutated again (after new tests), and
// each of those mutants' new status replaces its old one in the report.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { Stryker } from '@stryker-mutator/core';
import type { MutantResult } from '@stryker-mutator/api/core';
import { modules, type MutationModule } from './modules.js';

const AVA = 'node node_modules/ava/entrypoints/cli.mjs --fail-fast --concurrency 1';

const again = process.argv.includes('--again');
// `--also 122,199` (with --again): lines changed since the report; their mutants, old and new, are
// run again and replace the report's mutants on those lines.
const alsoAt = process.argv.indexOf('--also');
const alsoLines = alsoAt > 0 ? process.argv[alsoAt + 1]!.split(',').map(Number) : [];
// `--lines 56-70`: only the mutants of those lines (a check of a few survivors without a full report);
// written to reports/mutation/<module>.lines.json, the full report untouched.
const linesAt = process.argv.indexOf('--lines');
const onlyLines = linesAt > 0 ? process.argv[linesAt + 1]!.split('-').map(Number) : undefined;
const wanted = process.argv.slice(2).filter((a, i, all) => !['--again', '--also', '--lines'].includes(a) && !['--also', '--lines'].includes(all[i - 1]!));
const unknown = wanted.filter((w) => !modules.some((m) => m.name === w));
if (unknown.length) {
  process.stderr.write(`mutate: unknown module ${unknown.join(', ')}; known: ${modules.map((m) => m.name).join(', ')}\n`);
  process.exit(3);
}

interface ReportMutant {
  id: string;
  mutatorName: string;
  replacement?: string;
  status: string;
  location: MutantResult['location'];
}
interface Report {
  files: Record<string, { source: string; mutants: ReportMutant[] }>;
}

const reportPath = (m: MutationModule) => `reports/mutation/${m.name}.json`;
const alive = (status: string) => status === 'Survived' || status === 'NoCoverage';
const sameMutant = (a: ReportMutant, b: ReportMutant) =>
  a.mutatorName === b.mutatorName &&
  a.replacement === b.replacement &&
  a.location.start.line === b.location.start.line &&
  a.location.start.column === b.location.start.column &&
  a.location.end.line === b.location.end.line &&
  a.location.end.column === b.location.end.column;

function scoreOf(mutants: ReportMutant[]) {
  const valid = mutants.filter((r) => !['CompileError', 'RuntimeError', 'Ignored'].includes(r.status));
  const killed = valid.filter((r) => r.status === 'Killed' || r.status === 'Timeout').length;
  return { killed, total: valid.length, score: valid.length ? (100 * killed) / valid.length : 100 };
}

async function runStryker(m: MutationModule, mutate: string[], jsonFile: string): Promise<void> {
  const stryker = new Stryker({
    testRunner: 'command',
    commandRunner: { command: `${AVA} ${m.tests.join(' ')}` },
    mutate,
    concurrency: 1,
    coverageAnalysis: 'off',
    // The sandbox gets only what the tests read (never .lab/, where labs mount their hosts).
    ignorePatterns: ['/*', '!/src', '!/roles', '!/test', '!/templates', '!/playbooks', '!/inventory.yaml', '!/package.json', '!/tsconfig.json'],
    tempDirName: `.stryker-tmp-${m.name}`,
    cleanTempDir: 'always',
    reporters: ['json', 'progress'],
    jsonReporter: { fileName: jsonFile },
    timeoutMS: 20_000,
    logLevel: 'warn',
  });
  await stryker.runMutationTest();
}

async function mutate(m: MutationModule): Promise<{ killed: number; total: number; score: number }> {
  const path = onlyLines ? `reports/mutation/${m.name}.lines.json` : reportPath(m);
  if (onlyLines) await runStryker(m, [`${m.file}:${onlyLines[0]}:0-${onlyLines[1]}:10000`], path);
  else if (!again) await runStryker(m, [m.file], path);
  else {
    if (!existsSync(reportPath(m))) throw new Error(`mutate --again: no ${reportPath(m)} yet: run without --again first`);
    const report = JSON.parse(readFileSync(reportPath(m), 'utf8')) as Report;
    const old = report.files[m.file]!.mutants;
    // Each survivor's own range (a column wider on each side), so only it and the mutants inside it run again.
    const ranges = [
      ...new Set(
        old.filter((x) => alive(x.status)).map(({ location: { start, end } }) => `${start.line}:${Math.max(0, start.column - 1)}-${end.line}:${end.column + 1}`),
      ),
      ...alsoLines.map((l) => `${l}:0-${l}:10000`),
    ];
    if (ranges.length) {
      const rerunPath = `reports/mutation/${m.name}.again.json`;
      await runStryker(m, ranges.map((r) => `${m.file}:${r}`), rerunPath);
      const rerun = (JSON.parse(readFileSync(rerunPath, 'utf8')) as Report).files[m.file]!.mutants;
      const onChangedLine = (x: ReportMutant) => alsoLines.includes(x.location.start.line);
      for (const x of old) {
        const now = alive(x.status) ? rerun.find((r) => sameMutant(r, x)) : undefined;
        if (now) x.status = now.status;
      }
      report.files[m.file]!.mutants = [...old.filter((x) => !onChangedLine(x)), ...rerun.filter(onChangedLine)];
      report.files[m.file]!.source = readFileSync(m.file, 'utf8');
      writeFileSync(reportPath(m), JSON.stringify(report));
    }
  }
  const mutants = (JSON.parse(readFileSync(path, 'utf8')) as Report).files[m.file]!.mutants;
  const s = scoreOf(mutants);
  process.stdout.write(`\n== ${m.name} (${m.file}): ${s.score.toFixed(1)}% (${s.killed}/${s.total} killed)\n`);
  const source = readFileSync(m.file, 'utf8').split('\n');
  for (const r of mutants.filter((x) => alive(x.status))) {
    // Stryker's lines and columns are 1-based; show what the mutant replaced, on its first line.
    const { start, end } = r.location;
    const line = source[start.line - 1] ?? '';
    const original = start.line === end.line ? line.slice(start.column - 1, end.column - 1) : `${line.slice(start.column - 1)}…`;
    process.stdout.write(`  ${r.status} ${r.mutatorName} ${start.line}:${start.column} ${JSON.stringify(original)} -> ${JSON.stringify(r.replacement)}\n`);
  }
  return s;
}

const summary: string[] = [];
for (const m of modules.filter((x) => !wanted.length || wanted.includes(x.name))) {
  const s = await mutate(m);
  summary.push(`${m.name.padEnd(14)} ${s.score.toFixed(1).padStart(5)}%  ${s.killed}/${s.total}`);
}
process.stdout.write(`\nmutation score per module (killed + timeout / valid mutants):\n${summary.join('\n')}\n`);

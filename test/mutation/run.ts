// npm run mutate [-- module...]: StrykerJS over the pure modules, one module at a time, each mutant
// judged by that module's own ava tests (Stryker's command runner: there is no ava runner). Slow on
// two cores, so not in CI; run it nice'd. Writes reports/mutation/<module>.json (Stryker's report)
// and prints per module the score and every surviving mutant; docs/mutation.md keeps the results.
import { readFileSync } from 'node:fs';
import { Stryker } from '@stryker-mutator/core';
import type { MutantResult } from '@stryker-mutator/api/core';
import { modules, type MutationModule } from './modules.js';

const AVA = 'node node_modules/ava/entrypoints/cli.mjs --fail-fast --concurrency 1';

const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !modules.some((m) => m.name === w));
if (unknown.length) {
  process.stderr.write(`mutate: unknown module ${unknown.join(', ')}; known: ${modules.map((m) => m.name).join(', ')}\n`);
  process.exit(3);
}

const scoreOf = (results: MutantResult[]) => {
  const valid = results.filter((r) => !['CompileError', 'RuntimeError', 'Ignored'].includes(r.status));
  const killed = valid.filter((r) => r.status === 'Killed' || r.status === 'Timeout').length;
  return { killed, total: valid.length, score: valid.length ? (100 * killed) / valid.length : 100 };
};

async function mutate(m: MutationModule): Promise<{ killed: number; total: number; score: number }> {
  const stryker = new Stryker({
    testRunner: 'command',
    commandRunner: { command: `${AVA} ${m.tests.join(' ')}` },
    mutate: [m.file],
    concurrency: 1,
    coverageAnalysis: 'off',
    // The sandbox gets only what the tests import (never .lab/, where labs mount their hosts).
    ignorePatterns: ['/*', '!/src', '!/roles', '!/test', '!/templates', '!/package.json', '!/tsconfig.json'],
    tempDirName: `.stryker-tmp-${m.name}`,
    cleanTempDir: 'always',
    reporters: ['json', 'progress'],
    jsonReporter: { fileName: `reports/mutation/${m.name}.json` },
    timeoutMS: 20_000,
    logLevel: 'warn',
  });
  const results = await stryker.runMutationTest();
  const s = scoreOf(results);
  process.stdout.write(`\n== ${m.name} (${m.file}): ${s.score.toFixed(1)}% (${s.killed}/${s.total} killed)\n`);
  const source = readFileSync(m.file, 'utf8').split('\n');
  for (const r of results.filter((x) => x.status === 'Survived' || x.status === 'NoCoverage')) {
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

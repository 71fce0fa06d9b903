// The bad-input table: every case exits as its row says with its message and contacts no host, and
// docs/bad-input.md is exactly what the cases generate (regenerate: npm run docs:bad-input).
import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cases } from '../bad-input/cases.js';
import { renderTable, runCase, type CaseResult } from '../bad-input/run-case.js';
import { repoRoot } from '../helpers/play.js';
import type { BadInputCase } from '../bad-input/cases.js';

const rows: Array<{ c: BadInputCase; r: CaseResult }> = [];

for (const c of cases) {
  test.serial(`bad input: ${c.what} → exit ${c.exit}`, async (t) => {
    const r = await runCase(c);
    rows.push({ c, r });
    t.is(r.code, c.exit, r.message);
    t.regex(r.message, c.message);
    if (c.scripted) t.deepEqual(r.writes, [], 'nothing deleted, nothing changed');
    else t.deepEqual(r.connections, [], 'no host contacted');
    t.false(/hunter2|Pw-site-secret/.test(r.message), 'no secret echoed');
  });
}

test.serial('docs/bad-input.md is generated from these cases (npm run docs:bad-input)', (t) => {
  t.is(rows.length, cases.length);
  const doc = readFileSync(join(repoRoot, 'docs', 'bad-input.md'), 'utf8');
  t.is(doc, renderTable(rows), 'docs/bad-input.md differs from the cases: run `npm run docs:bad-input`');
});

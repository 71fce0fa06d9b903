// `npm run docs:bad-input`: runs every case and writes docs/bad-input.md.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../helpers/play.js';
import { cases } from './cases.js';
import { renderTable, runCase } from './run-case.js';

const rows = [];
for (const c of cases) rows.push({ c, r: await runCase(c) });
writeFileSync(join(repoRoot, 'docs', 'bad-input.md'), renderTable(rows));
console.log(`docs/bad-input.md: ${rows.length} classes of bad input`);

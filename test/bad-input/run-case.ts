// Runs one bad-input case through the CLI in-process (no host may be contacted: connect throws) and
// renders the table of docs/bad-input.md from the results.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../src/cli/cli.js';
import type { ConnectionParams } from '../../src/engine/load/inventory.js';
import { SITE, SITE_ENV, siteProject } from '../helpers/site-project.js';
import { repoRoot } from '../helpers/play.js';
import type { BadInputCase } from './cases.js';

export interface CaseResult {
  code: number;
  /** stderr with the project directory and the repository path removed. */
  message: string;
  connections: string[];
}

export async function runCase(c: BadInputCase): Promise<CaseResult> {
  const dir = siteProject(c.project);
  if (c.inventory !== undefined) writeFileSync(join(dir, 'inventory.yaml'), c.inventory);
  let stderr = '';
  const connections: string[] = [];
  const io = { stdout: { write: () => true }, stderr: { write: (s: string) => (stderr += s) }, cwd: dir, env: { ...SITE_ENV, REGPLAY_TABLE_EMPTY: '' } };
  const connect = (p: ConnectionParams) => {
    connections.push(p.name);
    throw new Error(`bad-input case contacted ${p.name}`);
  };
  const code = await runCli([c.playbook ?? SITE, ...(c.args ?? [])], io, { connect });
  const message = stderr.replaceAll(`${dir}/`, '').replaceAll(`${repoRoot}/`, '').trim();
  return { code, message, connections };
}

const cell = (text: string) => text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('|', '\\|').replaceAll('`', '&#96;').split('\n').map((l) => l.trim()).join('<br>');

export function renderTable(rows: Array<{ c: BadInputCase; r: CaseResult }>): string {
  return [
    '# Bad input',
    '',
    'Every class of bad input regplay refuses before any host is touched, with its exit code and an example',
    'message (from `play site.yaml` on a project beside an inventory). Generated from the test cases in',
    '[test/bad-input/cases.ts](../test/bad-input/cases.ts) by `npm run docs:bad-input`; a unit test fails when this',
    'page and the cases disagree.',
    '',
    '| bad input | exit | example message |',
    '|---|---|---|',
    ...rows.map(({ c, r }) => `| ${c.what} | ${r.code} | <code>${cell(r.message)}</code> |`),
    '',
  ].join('\n');
}

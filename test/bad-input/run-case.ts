// Runs one bad-input case through the CLI in-process (no host may be contacted: connect throws) and
// renders the table of docs/bad-input.md from the results.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../src/cli/cli.js';
import type { ConnectionParams } from '../../src/engine/load/inventory.js';
import { SITE, SITE_ENV, siteProject } from '../helpers/site-project.js';
import { repoRoot } from '../helpers/play.js';
import type { BadInputCase } from './cases.js';
import type { Transport } from '../../src/transports/types.js';

export interface CaseResult {
  code: number;
  /** stderr with the project directory and the repository path removed. */
  message: string;
  connections: string[];
  /** Writes a scripted host was asked for: DELETE requests, kubectl apply, a collector run that is not a dry run. */
  writes: string[];
}

const isWrite = (command: string, stdin: string) => /request = "DELETE"/.test(stdin) || / apply /.test(command) || /garbage-collect (?!--dry-run)/.test(command);

function scriptedTransport(host: string, answer: NonNullable<BadInputCase['scripted']>, writes: string[]): Transport {
  return {
    host,
    user: 'root',
    roundTrips: 0,
    connect: async () => {},
    exec: async (command, o = {}) => {
      const stdin = String(o.stdin ?? '');
      if (isWrite(command, stdin)) writes.push(`${host}: ${command}`);
      return answer(command, stdin);
    },
    close: async () => {},
  };
}

function argvOf(c: BadInputCase): string[] {
  const playbook = c.playbook ?? SITE;
  const [sub, ...rest] = c.command ?? [];
  if (sub === 'verify') return ['verify', playbook, ...rest, ...(c.args ?? [])];
  if (sub === 'registry') return ['registry', ...rest, '--playbook', playbook, ...(c.args ?? [])];
  return [playbook, ...(c.args ?? [])];
}

export async function runCase(c: BadInputCase): Promise<CaseResult> {
  const dir = siteProject(c.project);
  if (c.inventory !== undefined) writeFileSync(join(dir, 'inventory.yaml'), c.inventory);
  let stderr = '';
  const connections: string[] = [];
  const writes: string[] = [];
  const io = { stdout: { write: () => true }, stderr: { write: (s: string) => (stderr += s) }, cwd: dir, env: { ...SITE_ENV, REGPLAY_TABLE_EMPTY: '' } };
  const connect = (p: ConnectionParams) => {
    connections.push(p.name);
    if (c.scripted) return scriptedTransport(p.name, c.scripted, writes);
    throw new Error(`bad-input case contacted ${p.name}`);
  };
  const code = await runCli(argvOf(c), io, { connect });
  const message = stderr.replaceAll(`${dir}/`, '').replaceAll(`${repoRoot}/`, '').trim();
  return { code, message, connections, writes };
}

const cell = (text: string) => text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('|', '\\|').replaceAll('`', '&#96;').split('\n').map((l) => l.trim()).join('<br>');

export function renderTable(rows: Array<{ c: BadInputCase; r: CaseResult }>): string {
  return [
    '# Bad input',
    '',
    'Every class of bad input regplay refuses before any host is touched, with its exit code and an example',
    'message (from `play site.yaml`, `play verify` or `play registry` on a project beside an inventory). Generated',
    'from the test cases in [test/bad-input/cases.ts](../test/bad-input/cases.ts) by `npm run docs:bad-input`; a unit',
    'test fails when this page and the cases disagree.',
    '',
    'The last rows are `play registry` refusals that need the registry\'s own answer (an unknown repository or tag,',
    'the registry unreachable, a push in flight during `gc`): for them the host regplay talks to the registry from',
    '(and kubectl\'s, for gc) is scripted with distribution\'s and curl\'s answers, and the test checks that nothing',
    'was deleted (no DELETE request, no kubectl apply, no collector run). The lab test',
    '[test/integration/registry.test.ts](../test/integration/registry.test.ts) gets the same exit codes and messages',
    'from the real registry.',
    '',
    '| bad input | exit | example message |',
    '|---|---|---|',
    ...rows.map(({ c, r }) => `| ${c.what} | ${r.code} | <code>${cell(r.message)}</code> |`),
    '',
  ].join('\n');
}

// The two tools under test, each run once and checked: a run that failed is not a measurement.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { timed, type Timed } from './measure.js';
import { parsePlayReport, type PlayReport } from './play-report.js';

export interface PlayRun extends Timed {
  report: PlayReport;
}

export interface AnsibleRun extends Timed {
  changed: number;
}

export interface Tools {
  repoRoot: string;
  /** argv prefix that starts `play`. */
  play: string[];
  inventory: string;
  ansibleInventory: string;
  varsFile: string;
  workDir: string;
  forks: number;
  controlPathDir: string;
}

export async function runPlay(t: Tools, playbook: string, label: string, extra: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<PlayRun> {
  const json = join(t.workDir, `play-${label}.json`);
  rmSync(json, { force: true });
  const argv = [...t.play, playbook, '-i', t.inventory, '--json', json, '--forks', String(Math.min(t.forks, 50)), ...extra];
  const r = await timed(argv, { cwd: t.repoRoot, env: { ...process.env, ...env } });
  if (r.code !== 0 || !existsSync(json)) {
    throw new Error(`\`${argv.join(' ')}\` exited ${r.code}\n${failures(r.stdout)}${tail(r.stderr)}`);
  }
  return { ...r, report: parsePlayReport(readFileSync(json, 'utf8')) };
}

export async function runAnsible(t: Tools): Promise<AnsibleRun> {
  const argv = ['ansible-playbook', '-i', t.ansibleInventory, '-e', `@${t.varsFile}`, '--forks', String(t.forks), join(t.repoRoot, 'bench/ansible/playbook.yml')];
  const env = {
    ...process.env,
    ANSIBLE_CONFIG: join(t.repoRoot, 'bench/ansible/ansible.cfg'),
    ANSIBLE_SSH_CONTROL_PATH_DIR: t.controlPathDir,
    ANSIBLE_NOCOLOR: '1',
  };
  const r = await timed(argv, { cwd: join(t.repoRoot, 'bench/ansible'), env });
  const recap = parseAnsibleRecap(r.stdout);
  if (r.code !== 0 || recap.failed + recap.unreachable > 0) {
    throw new Error(`ansible-playbook exited ${r.code}\n${failures(r.stdout)}${tail(r.stderr)}`);
  }
  return { ...r, changed: recap.changed };
}

/** Sums of the PLAY RECAP columns over hosts. */
export function parseAnsibleRecap(stdout: string): { hosts: number; changed: number; failed: number; unreachable: number } {
  const sum = { hosts: 0, changed: 0, failed: 0, unreachable: 0 };
  const recapAt = stdout.lastIndexOf('PLAY RECAP');
  if (recapAt === -1) return sum;
  for (const line of stdout.slice(recapAt).split('\n')) {
    const m = /^\S+\s+:\s+ok=\d+\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)/.exec(line);
    if (!m) continue;
    sum.hosts++;
    sum.changed += Number(m[1]);
    sum.unreachable += Number(m[2]);
    sum.failed += Number(m[3]);
  }
  return sum;
}

/** The first failure lines of a run's output (a 50-host recap would push them out of a tail). */
function failures(stdout: string): string {
  const lines = stdout.split('\n').filter((l) => /^(fatal|failed|error)\b|FAILED|error:/i.test(l)).slice(0, 8);
  return lines.length ? `${lines.join('\n')}\n` : `${tail(stdout)}\n`;
}

function tail(text: string, lines = 30): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

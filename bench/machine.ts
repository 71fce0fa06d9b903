// Where and with what the figures were measured.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';

export interface Machine {
  cpu: string;
  memory: string;
  os: string;
  versions: Record<string, string>;
}

/** First non-empty line a program prints (on stdout or stderr: `ssh -V` uses stderr). */
function firstLine(argv: string[]): string {
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8' });
  const text = `${r.stdout ?? ''}\n${r.stderr ?? ''}`;
  return text.split('\n').map((l) => l.trim()).find((l) => l) ?? 'unknown';
}

function osName(): string {
  try {
    const pretty = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(readFileSync('/etc/os-release', 'utf8'));
    return `${pretty?.[1] ?? 'Linux'}, kernel ${release()}`;
  } catch {
    return `kernel ${release()}`;
  }
}

export function describeMachine(repoRoot: string): Machine {
  const cores = cpus();
  const pkg = JSON.parse(readFileSync(`${repoRoot}/package.json`, 'utf8')) as { version: string };
  return {
    cpu: `${cores.length} × ${cores[0]?.model ?? 'unknown CPU'}`,
    memory: `${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    os: osName(),
    versions: {
      regplay: pkg.version,
      node: process.version,
      'ansible-core': firstLine(['ansible-playbook', '--version']).replace(/^ansible-playbook \[core (.*)\]$/, '$1'),
      python: firstLine(['/usr/bin/python3', '--version']).replace(/^Python /, ''),
      OpenSSH: firstLine(['ssh', '-V']),
    },
  };
}

// What labs exist and whether their hosts answer.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { labDir, labsRoot } from './paths.js';
import { inUse, readState, statePath } from './state.js';
import { run } from './run.js';

export async function labStatus(only?: string): Promise<string> {
  const names = only ? [only] : existsSync(labsRoot) ? readdirSync(labsRoot).filter((d) => existsSync(statePath(d))) : [];
  const netns = (await run('ip', ['netns', 'list'])).stdout;
  if (!names.length) return 'no labs (no .lab/<name>/lab.json)\n';
  const out: string[] = [];
  for (const name of names) {
    const state = readState(name);
    if (!state) {
      out.push(`lab ${name}: no state (${labDir(name)}); \`npm run lab:down\` cleans it up`);
      continue;
    }
    const owner = inUse(state) ? ` (in use by test process ${state.owner!.pid})` : '';
    out.push(`lab ${name}${owner}: bridge ${state.bridge} 10.213.${state.subnet}.0/24, inventory ${join(labDir(name), 'inventory.yaml')}`);
    for (const [h, s] of Object.entries(state.hosts)) {
      const nsUp = netns.split('\n').some((l) => l.split(' ')[0] === s.ns);
      const sshd = nsUp && s.initPid ? await run('nsenter', ['-t', String(s.initPid), '-n', '-m', '--', '/bin/sh', '-c', 'kill -0 "$(cat /run/sshd.pid)" 2>/dev/null']) : undefined;
      const containerd = nsUp && s.initPid ? await run('nsenter', ['-t', String(s.initPid), '-n', '-m', '--', '/bin/sh', '-c', '/usr/local/sbin/service containerd status >/dev/null 2>&1']) : undefined;
      const state = !nsUp ? 'down' : `sshd ${sshd?.code === 0 ? 'up' : 'stopped'}, containerd ${containerd?.code === 0 ? 'running' : 'not running'}`;
      out.push(`  ${h.padEnd(6)} ${s.address.padEnd(14)} ${s.groups.join(',').padEnd(16)} ${state}`);
    }
    if (state.standinPid) out.push(`  stand-in: pid ${state.standinPid}, log ${join(labDir(name), 'standin.log')}`);
  }
  return out.join('\n') + '\n';
}

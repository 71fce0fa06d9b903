// The script a lab host's first process runs inside its fresh namespaces: private mounts, hostname,
// sshd (and containerd), then it stays alive so the namespaces do.
import { relative } from 'node:path';
import { fsDir, overlayDirs, privateDirs, upperDir, workDir } from './host-files.js';
import { PATH } from './run.js';
import { labsRoot, repoRoot } from './paths.js';
import { quote as q } from '../../src/transports/shell.js';

const under = (path: string, dir: string): boolean => path === dir || path.startsWith(dir + '/');

export function hostInitScript(opts: { host: string; hostDir: string; containerd: boolean }): string {
  const { host, hostDir } = opts;
  const lines = ['#!/bin/sh', 'set -eu', `export PATH=${PATH} HOME=/root`, `hostname ${q(host)}`];
  for (const d of overlayDirs) {
    lines.push(`mount -t overlay overlay -o ${q(`lowerdir=${d},upperdir=${upperDir(hostDir, d)},workdir=${workDir(hostDir, d)}`)} ${d}`);
  }
  // A private dir that hides the repository (a clone under /root or /tmp) goes last, with the repository
  // bound back inside it, so the mount sources and the repo stay reachable.
  const hiding = privateDirs.find((d) => under(repoRoot, d) || under(labsRoot, d));
  for (const d of privateDirs.filter((d) => d !== hiding)) {
    lines.push(`mkdir -p ${d}`, `mount --bind ${q(fsDir(hostDir, d))} ${d}`);
  }
  if (hiding) {
    const inside = `${fsDir(hostDir, hiding)}/${relative(hiding, repoRoot)}`;
    lines.push(`mkdir -p ${q(inside)}`, `mount --bind ${q(repoRoot)} ${q(inside)}`, `mount --rbind ${q(fsDir(hostDir, hiding))} ${hiding}`);
  }
  lines.push('/usr/sbin/sshd -f /etc/ssh/sshd_config -E /var/log/sshd.log');
  if (opts.containerd) lines.push('/usr/local/sbin/service containerd start');
  lines.push('echo "ready $$"', 'exec sleep infinity');
  return lines.join('\n') + '\n';
}

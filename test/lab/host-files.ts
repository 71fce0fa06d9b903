// The files a lab host starts with: per-host directories that get mounted over the machine's,
// /etc changes (in the overlay's upper dir), sshd config and keys, and the systemd stand-in shims.
import { chmodSync, copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Directories every host gets to itself (bind mounts of per-host dirs). */
export const privateDirs = ['/root', '/run', '/tmp', '/var/log', '/srv', '/registry', '/mnt', '/usr/local/sbin', '/var/lib/containerd'];
/** Directories a host sees through an overlay: the machine's content below, the host's changes on top. */
export const overlayDirs = ['/etc', '/var/lib'];

export const fsDir = (hostDir: string, target: string): string => join(hostDir, 'fs', target.slice(1).replaceAll('/', '_'));
export const upperDir = (hostDir: string, target: string): string => join(hostDir, 'upper', target.slice(1).replaceAll('/', '_'));
export const workDir = (hostDir: string, target: string): string => join(hostDir, 'work', target.slice(1).replaceAll('/', '_'));

export interface HostFiles {
  host: string;
  hostDir: string;
  address: string;
  /** Every lab host, for /etc/hosts. */
  peers: Array<{ host: string; address: string }>;
  authorizedKey: string;
  hostKeyDir: string;
  shimsDir: string;
}

export function writeHostFiles(f: HostFiles): void {
  for (const d of privateDirs) mkdirSync(fsDir(f.hostDir, d), { recursive: true });
  for (const d of overlayDirs) {
    mkdirSync(upperDir(f.hostDir, d), { recursive: true });
    mkdirSync(workDir(f.hostDir, d), { recursive: true });
  }
  chmodSync(fsDir(f.hostDir, '/root'), 0o700);
  chmodSync(fsDir(f.hostDir, '/tmp'), 0o1777);
  chmodSync(fsDir(f.hostDir, '/var/lib/containerd'), 0o711);

  const run = fsDir(f.hostDir, '/run');
  mkdirSync(join(run, 'sshd'), { recursive: true, mode: 0o755 });
  mkdirSync(join(run, 'lock'), { recursive: true, mode: 0o1777 });

  const ssh = join(fsDir(f.hostDir, '/root'), '.ssh');
  mkdirSync(ssh, { recursive: true, mode: 0o700 });
  writeFileSync(join(ssh, 'authorized_keys'), f.authorizedKey, { mode: 0o600 });

  const etc = upperDir(f.hostDir, '/etc');
  writeFileSync(join(etc, 'hostname'), `${f.host}\n`);
  writeFileSync(join(etc, 'hosts'), hostsFile(f));
  mkdirSync(join(etc, 'ssh'), { recursive: true });
  copyFileSync(join(f.hostKeyDir, 'ssh_host_ed25519_key'), join(etc, 'ssh', 'ssh_host_ed25519_key'));
  chmodSync(join(etc, 'ssh', 'ssh_host_ed25519_key'), 0o600);
  copyFileSync(join(f.hostKeyDir, 'ssh_host_ed25519_key.pub'), join(etc, 'ssh', 'ssh_host_ed25519_key.pub'));
  writeFileSync(join(etc, 'ssh', 'sshd_config'), sshdConfig(f.address));

  const sbin = fsDir(f.hostDir, '/usr/local/sbin');
  for (const shim of ['service', 'systemctl']) {
    copyFileSync(join(f.shimsDir, shim), join(sbin, shim));
    chmodSync(join(sbin, shim), 0o755);
  }
}

function hostsFile(f: HostFiles): string {
  const lines = ['127.0.0.1\tlocalhost', '::1\tlocalhost ip6-localhost ip6-loopback', ...f.peers.map((p) => `${p.address}\t${p.host}`)];
  return lines.join('\n') + '\n';
}

export function sshdConfig(address: string): string {
  return [
    '# lab host sshd: own address and host key, root by key only, nothing read from the environment',
    'Port 22',
    `ListenAddress ${address}`,
    'HostKey /etc/ssh/ssh_host_ed25519_key',
    'PidFile /run/sshd.pid',
    'PermitRootLogin prohibit-password',
    'PubkeyAuthentication yes',
    'AuthorizedKeysFile .ssh/authorized_keys',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    'UseDNS no',
    'PrintMotd no',
    'PrintLastLog no',
    'MaxStartups 100:30:200',
    'MaxSessions 50',
    'Subsystem sftp /usr/lib/openssh/sftp-server',
    '',
  ].join('\n');
}

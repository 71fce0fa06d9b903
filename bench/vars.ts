// The one set of variables both tools get (`-e @vars.yaml`): the same registry, CA, files and mount.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface NodeWork {
  registryName: string;
  registryPort: number;
  /** name:port, the certs.d directory name. */
  registry: string;
  registryIp: string;
  caPem: string;
  containerdConfig: string;
  containerdCertsDir: string;
  dockerCertsDir: string;
  restartCommand: string[];
  nfsServer: string;
  nfsExport: string;
  mountpoint: string;
  fstype: string;
  mountOptions: string;
}

export function nodeWork(o: { registryIp: string; caPem: string; registryName?: string; registryPort?: number }): NodeWork {
  const registryName = o.registryName ?? 'registry.bench.test';
  const registryPort = o.registryPort ?? 5000;
  return {
    registryName,
    registryPort,
    registry: `${registryName}:${registryPort}`,
    registryIp: o.registryIp,
    caPem: o.caPem,
    containerdConfig: '/etc/containerd/config.toml',
    containerdCertsDir: '/etc/containerd/certs.d',
    dockerCertsDir: '/etc/docker/certs.d',
    // The lab's `service` shim stands in for systemd.
    restartCommand: ['service', 'containerd', 'restart'],
    // The lab kernel has no NFS: the same fstab line and mount, with a filesystem that mounts here.
    nfsServer: 'nfs.bench.test',
    nfsExport: '/export/registry',
    mountpoint: '/var/lib/registry-share',
    fstype: 'tmpfs',
    // mode=0755 so the mounted root keeps the directory's mode (a tmpfs root is 1777 otherwise).
    mountOptions: 'size=16m,mode=0755',
  };
}

/** Variable names as the roles (and bench/ansible) read them. */
export function benchVars(w: NodeWork): Record<string, unknown> {
  return {
    registry_name: w.registryName,
    registry_port: w.registryPort,
    registry_ca_pem: w.caPem,
    containerd_config_file: w.containerdConfig,
    containerd_certs_dir: w.containerdCertsDir,
    containerd_restart_command: w.restartCommand,
    docker_certs_dir: w.dockerCertsDir,
    // The Ansible playbook does not log in either: trust only.
    docker_login_enabled: false,
    registry_ip: w.registryIp,
    dns_hosts_file: '/etc/hosts',
    fstab_nfs_enabled: true,
    fstab_nfs_server: w.nfsServer,
    fstab_nfs_export: w.nfsExport,
    fstab_nfs_mountpoint: w.mountpoint,
    fstab_nfs_fstype: w.fstype,
    fstab_nfs_options: w.mountOptions,
    fstab_nfs_fstab: '/etc/fstab',
  };
}

/** A throwaway CA certificate (P-256, openssl) for the trust roles to install. */
export function makeCaPem(): string {
  const dir = mkdtempSync(join(tmpdir(), 'bench-ca-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'ca.key'), '-out', join(dir, 'ca.crt'), '-subj', '/CN=regplay bench CA', '-days', '30'], { stdio: 'ignore' });
    return readFileSync(join(dir, 'ca.crt'), 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const SITE_PASSWORD_ENV = 'REGPLAY_BENCH_PASSWORD';

/**
 * Variables for `play site.yaml` (all roles): the same registry, storage and restart command; the
 * CA and the registry address come from the certs and k8s-apply roles' facts, as in real use.
 */
export function siteVarsYaml(w: NodeWork): string {
  return [
    '# Written by bench/run.ts for `play site.yaml` on the bench lab.',
    `registry_name: ${w.registryName}`,
    `registry_port: ${w.registryPort}`,
    'registry_users:',
    '  - name: bench',
    `    password: !env ${SITE_PASSWORD_ENV}`,
    `containerd_restart_command: ${JSON.stringify(w.restartCommand)}`,
    'fstab_nfs_enabled: true',
    `fstab_nfs_server: ${w.nfsServer}`,
    `fstab_nfs_export: ${w.nfsExport}`,
    `fstab_nfs_mountpoint: ${w.mountpoint}`,
    `fstab_nfs_fstype: ${w.fstype}`,
    `fstab_nfs_options: ${w.mountOptions}`,
    // The stand-in's cluster IP is the control-plane host's lab address: the build host reaches it too.
    'dns_hosts_ip_source: cluster_ip',
    '',
  ].join('\n');
}

// group_vars/all.yaml for a registry on a lab with the Kubernetes API stand-in: one user whose
// password comes from the environment (`!env`), a cheap bcrypt cost, the stand-in's kubeconfig,
// hostpath storage and a short rollout timeout.
export interface RegistryVarsOptions {
  name: string;
  port: number;
  user: string;
  /** The environment variable holding the user's password. */
  passwordEnv: string;
  /** registry_pull_namespaces. */
  pullNamespaces: string[];
  /** More YAML lines, appended as they are (end them with a newline). */
  extra?: string;
}

export function registryVars(o: RegistryVarsOptions): string {
  return `registry_name: ${o.name}
registry_port: ${o.port}
registry_users:
  - name: ${o.user}
    password: !env ${o.passwordEnv}
bcrypt_cost: 5
kubeconfig: /root/.kube/config
registry_storage_kind: hostpath
registry_storage_host_path: /var/lib/registry-data
registry_storage_size: 2Gi
registry_pull_namespaces: [${o.pullNamespaces.join(', ')}]
registry_rollout_timeout: 60
${o.extra ?? ''}`;
}

/** group_vars/all.yaml of the node-role lab tests: registry.lab:5000, alice (`REG_ALICE_PW`), pulls in default. */
export const ALICE_VARS = registryVars({ name: 'registry.lab', port: 5000, user: 'alice', passwordEnv: 'REG_ALICE_PW', pullNamespaces: ['default'] });

/** Where the workers' fstab-nfs mount goes in the lab. */
export const NFS_MOUNTPOINT = '/mnt/registry-nfs';
/** group_vars/workers.yaml: fstab-nfs with tmpfs (the lab kernel cannot mount NFS; the fstab line keeps the NFS server:export shape). */
export const TMPFS_NFS_VARS = `fstab_nfs_enabled: true
fstab_nfs_server: nfs1.lab
fstab_nfs_export: /export/registry
fstab_nfs_mountpoint: ${NFS_MOUNTPOINT}
fstab_nfs_fstype: tmpfs
fstab_nfs_options: size=16m
`;
/** group_vars for hosts outside the cluster (build, object_store): dns-hosts maps the registry name to the Service's cluster IP, which the lab routes through cp1 (the stand-in's kube-proxy). */
export const CLUSTER_IP_DNS_VARS = 'dns_hosts_ip_source: cluster_ip\n';

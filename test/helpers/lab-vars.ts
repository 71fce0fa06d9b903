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

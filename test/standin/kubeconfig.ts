// Kubernetes API stand-in: the kubeconfig kubectl uses to reach it (plain HTTP, no credentials).
import { stringify } from 'yaml';

export function kubeconfigFor(server: string, name = 'standin'): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server } }],
    users: [{ name, user: {} }],
    contexts: [{ name, context: { cluster: name, user: name, namespace: 'default' } }],
    'current-context': name,
    preferences: {},
  });
}

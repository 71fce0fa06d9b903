// Parses `kubectl get|apply -o json` output into a list of objects.
import type { K8sObject } from '../resources/types.js';

export function parseKubectlObjects(stdout: string): K8sObject[] {
  const text = stdout.trim();
  if (!text) return [];
  const parsed = JSON.parse(text) as { kind?: string; items?: K8sObject[] } & K8sObject;
  if (Array.isArray(parsed.items) && (parsed.kind === 'List' || parsed.kind?.endsWith('List'))) return parsed.items;
  return [parsed];
}

/** `apps/v1` → `apps`; `v1` → ''. */
export function apiGroup(apiVersion: string): string {
  return apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
}

/** Identity of an object regardless of version: group/Kind/namespace/name. */
export function objectKey(o: Pick<K8sObject, 'apiVersion' | 'kind' | 'metadata'>, defaultNamespace = ''): string {
  return `${apiGroup(o.apiVersion)}/${o.kind}/${o.metadata.namespace ?? defaultNamespace}/${o.metadata.name}`;
}

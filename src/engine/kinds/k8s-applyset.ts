// kubectl's ApplySet (KEP-3659, kubectl apply --prune --applyset): a parent object records the set
// (label applyset.kubernetes.io/id, annotations with the tooling, the group-kinds and the namespaces
// its members live in); each member carries applyset.kubernetes.io/part-of=<id>. Members of an
// earlier run that are no longer desired are pruned. Pure, apart from the id's hash.
import { createHash } from 'node:crypto';
import { apiGroup, objectKey } from '../../facts/kubectl.js';
import type { K8sObject, K8sState } from '../../resources/types.js';
import { quote } from '../../transports/shell.js';

export const PART_OF = 'applyset.kubernetes.io/part-of';
export const ID_LABEL = 'applyset.kubernetes.io/id';
export const TOOLING = 'applyset.kubernetes.io/tooling';
export const GROUP_KINDS = 'applyset.kubernetes.io/contains-group-kinds';
export const NAMESPACES = 'applyset.kubernetes.io/additional-namespaces';
const TOOLING_VALUE = 'regplay/v1';

type ApplySet = NonNullable<K8sState['applySet']>;

/** kubectl's ID: applyset-<base64url(sha256(<name>.<namespace>.<Kind>.<group>))>-v1. */
export function applySetId(parent: ApplySet['parent']): string {
  const hash = createHash('sha256').update(`${parent.name}.${parent.namespace}.ConfigMap.`).digest('base64url');
  return `applyset-${hash}-v1`;
}

/** `Deployment.apps`, `Secret`: the form of contains-group-kinds. */
export function groupKind(o: Pick<K8sObject, 'apiVersion' | 'kind'>): string {
  const g = apiGroup(o.apiVersion);
  return g ? `${o.kind}.${g}` : o.kind;
}

export function isShared(o: K8sObject, set: ApplySet): boolean {
  return (set.shared ?? []).some((s) => s.kind === o.kind && s.name === o.metadata.name && (s.namespace ?? undefined) === (o.metadata.namespace ?? undefined));
}

/** The objects with the member label on each member (metadata copied; the rest shared, Secrets included). */
export function withMembership(objects: K8sObject[], set: ApplySet): K8sObject[] {
  const id = applySetId(set.parent);
  return objects.map((o) =>
    isShared(o, set) ? o : { ...o, metadata: { ...o.metadata, labels: { ...((o.metadata.labels as Record<string, string> | undefined) ?? {}), [PART_OF]: id } } },
  );
}

const csv = (s: unknown): string[] => (typeof s === 'string' && s ? s.split(',') : []);
const union = (a: string[], b: string[]) => [...new Set([...a, ...b])].sort().join(',');

/**
 * The parent ConfigMap. Its group-kinds and namespaces only grow (a superset is what KEP-3659
 * requires of them): a run that fails between apply and prune still finds every member next time.
 */
export function parentObject(set: ApplySet, members: K8sObject[], live?: K8sObject): K8sObject {
  const annotations = (live?.metadata.annotations as Record<string, string> | undefined) ?? {};
  const namespaces = members.map((m) => m.metadata.namespace).filter((n): n is string => !!n && n !== set.parent.namespace);
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: set.parent.name,
      namespace: set.parent.namespace,
      labels: { [ID_LABEL]: applySetId(set.parent) },
      annotations: {
        [TOOLING]: TOOLING_VALUE,
        [GROUP_KINDS]: union(csv(annotations[GROUP_KINDS]), members.map(groupKind)),
        [NAMESPACES]: union(csv(annotations[NAMESPACES]), namespaces),
      },
    },
  };
}

/**
 * Lists the members of the set: the kinds desired now plus those the parent records (read by
 * kubectl itself, so one round trip does it), in every namespace, by the part-of label.
 */
export function membersReadCommand(base: string, set: ApplySet, kinds: string[], optional: Array<{ apiVersion: string; groupKinds: string[] }> = []): string {
  const parent = `${base} get configmap ${quote(set.parent.name)} -n ${quote(set.parent.namespace)} --ignore-not-found -o ${quote(`jsonpath={.metadata.annotations.${GROUP_KINDS.replaceAll('.', '\\.')}}`)}`;
  // kinds of an API the cluster no longer serves (its CRD removed) cannot be listed: left out
  const unserved = optional.map(
    (o) => `; printf '%s\\n' "$v" | grep -qxF ${quote(o.apiVersion)} || k=$(printf '%s' "$k" | tr , '\\n' | grep -vxF ${o.groupKinds.map((g) => `-e ${quote(g)}`).join(' ')} | paste -sd, -)`,
  );
  const served = optional.length ? `; v=$(${base} api-versions) || exit $?${unserved.join('')}` : '';
  return `k=$(${parent}) || exit $?${served}; ${base} get "${[...new Set(kinds)].sort().join(',')}\${k:+,$k}" -A -l ${quote(`${PART_OF}=${applySetId(set.parent)}`)} -o json`;
}

/** Members found in the cluster that are not desired any more (the parent is never a member). */
export function prunable(found: K8sObject[], desired: K8sObject[], set: ApplySet): K8sObject[] {
  const id = applySetId(set.parent);
  const wanted = new Set(desired.map((o) => objectKey(o)));
  const seen = new Set<string>();
  return found.filter((o) => {
    const key = objectKey(o);
    if ((o.metadata.labels as Record<string, string> | undefined)?.[PART_OF] !== id || wanted.has(key) || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

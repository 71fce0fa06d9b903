// Entries regplay puts into atomic lists of objects it does not own (a ServiceAccount's
// imagePullSecrets): server-side apply replaces an atomic list whole, so the list sent is the live
// one, in its order, with regplay's entries added once and the entries naming a pruned member
// taken out — the user's entries stay. Pure.
import type { K8sObject, K8sState } from '../../resources/types.js';
import { quote } from '../../transports/shell.js';

type Spec = NonNullable<K8sState['listEntries']>[number];
type Item = Record<string, unknown>;

function liveList(o: K8sObject | undefined, field: string): Item[] {
  const v = o?.[field];
  return Array.isArray(v) ? (v.filter((i) => typeof i === 'object' && i !== null) as Item[]) : [];
}

/**
 * The objects to apply: one per namespace that wants entries, and one per namespace whose list
 * names a pruned member; none where nothing would change outside the wanted namespaces.
 */
export function listEntryObjects(specs: Spec[], live: K8sObject[], pruned: K8sObject[]): K8sObject[] {
  return specs.flatMap((spec) => {
    const goneIn = (ns: string) => pruned.filter((p) => p.kind === spec.refersTo && p.metadata.namespace === ns).map((p) => p.metadata.name);
    const namespaces = [...new Set([...Object.keys(spec.entries), ...pruned.filter((p) => p.kind === spec.refersTo && p.metadata.namespace).map((p) => p.metadata.namespace!)])];
    return namespaces.flatMap((ns) => {
      const found = live.find((o) => o.kind === spec.kind && o.apiVersion === spec.apiVersion && o.metadata.name === spec.name && o.metadata.namespace === ns);
      const wanted = spec.entries[ns] ?? [];
      const before = liveList(found, spec.field);
      const gone = new Set(goneIn(ns).filter((n) => !wanted.includes(n)));
      const list = before.filter((i) => !gone.has(String(i[spec.key])));
      for (const w of wanted) if (!list.some((i) => i[spec.key] === w)) list.push({ [spec.key]: w });
      if (!(ns in spec.entries) && (!found || list.length === before.length)) return [];
      return [{ apiVersion: spec.apiVersion, kind: spec.kind, metadata: { name: spec.name, namespace: ns }, [spec.field]: list }];
    });
  });
}

/** Per spec, the read of every object it may touch: its kind and name in all namespaces (with ownership). */
export function listTargetsReadCommands(base: string, specs: Spec[]): string[] {
  return specs.map((s) => `${base} get ${quote(s.kind)} -A --field-selector ${quote(`metadata.name=${s.name}`)} -o json --show-managed-fields`);
}

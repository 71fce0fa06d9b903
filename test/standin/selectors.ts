// Kubernetes API stand-in: label and field selectors on list and watch.
export type Obj = Record<string, any>;
type Test = (o: Obj) => boolean;

function splitTerms(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

export function labelSelector(s: string | null): Test {
  if (!s) return () => true;
  const tests: Test[] = splitTerms(s).map((t) => {
    const labels = (o: Obj): Record<string, string> => o.metadata?.labels ?? {};
    let m = /^(\S+?)\s*(==|!=|=)\s*(\S*)$/.exec(t);
    if (m) {
      const [, k, op, v] = m;
      return op === '!=' ? (o) => labels(o)[k!] !== v : (o) => labels(o)[k!] === v;
    }
    m = /^(\S+)\s+(in|notin)\s+\((.*)\)$/.exec(t);
    if (m) {
      const values = m[3]!.split(',').map((x) => x.trim());
      const k = m[1]!;
      return m[2] === 'in' ? (o) => values.includes(labels(o)[k] as string) : (o) => !values.includes(labels(o)[k] as string);
    }
    if (t.startsWith('!')) return (o) => !(t.slice(1) in labels(o));
    return (o) => t in labels(o);
  });
  return (o) => tests.every((f) => f(o));
}

function fieldValue(o: Obj, path: string): unknown {
  return path.split('.').reduce<any>((cur, k) => (cur == null ? undefined : cur[k]), o);
}

export function fieldSelector(s: string | null): Test {
  if (!s) return () => true;
  const tests: Test[] = splitTerms(s).map((t) => {
    const m = /^([^=!]+)(==|!=|=)(.*)$/.exec(t);
    if (!m) return () => false;
    const [, path, op, v] = m;
    const eq = (o: Obj) => String(fieldValue(o, path!.trim()) ?? '') === v;
    return op === '!=' ? (o) => !eq(o) : eq;
  });
  return (o) => tests.every((f) => f(o));
}

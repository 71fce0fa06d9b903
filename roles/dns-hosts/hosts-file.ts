// /etc/hosts: one line maps the registry name to its address. Stale mappings of the name are
// removed (only the name, when a line carries other names too); every other line stays as it is.

interface HostsLine {
  /** Address and names, without the comment. */
  fields: string[];
  /** Text of the line split into [before-comment, comment] for rebuilding. */
  body: string;
  comment: string;
}

function split(line: string): HostsLine {
  const hash = line.indexOf('#');
  const body = hash < 0 ? line : line.slice(0, hash);
  const comment = hash < 0 ? '' : line.slice(hash);
  return { fields: body.trim().split(/\s+/).filter(Boolean), body, comment };
}

const sameName = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
const sameAddress = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** The line without `name`, keeping its spacing; null when `name` was its only name. */
function withoutName(line: string, name: string): string | null {
  const { fields, body, comment } = split(line);
  if (fields.slice(1).filter((n) => !sameName(n, name)).length === 0) return null;
  // Drop each whitespace-led occurrence of the name after the address.
  const rebuilt = body.replace(/(\s+)(\S+)/g, (whole, _ws: string, token: string, offset: number) =>
    offset > 0 && sameName(token, name) && body.slice(0, offset).trim() !== '' ? '' : whole,
  );
  return rebuilt + comment;
}

/** `current` without the lines that are exactly `<address> <name>` (as setHostsEntry writes them); others stay. */
export function removeHostsEntry(current: string | null, address: string, name: string): string | null {
  if (current === null) return null;
  const lines = current.split('\n');
  const kept = lines.filter((l) => {
    const { fields, comment } = split(l.replace(/\r$/, ''));
    return !(comment === '' && fields.length === 2 && sameAddress(fields[0]!, address) && sameName(fields[1]!, name));
  });
  return kept.length === lines.length ? current : kept.join('\n');
}

/** Returns `current` with exactly one `<address> <name>` mapping (unchanged when it already has it). */
export function setHostsEntry(current: string | null, address: string, name: string): string {
  const text = current ?? '';
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  const endsWithEol = lines[lines.length - 1] === '';
  if (endsWithEol) lines.pop();

  const mentions = lines.flatMap((l, i) => (split(l).fields.slice(1).some((n) => sameName(n, name)) ? [i] : []));
  const keep = mentions.find((i) => sameAddress(split(lines[i]!).fields[0]!, address));
  if (keep !== undefined && mentions.length === 1) return text;

  const fresh = `${address} ${name}`;
  const out: string[] = [];
  let placed = keep !== undefined;
  lines.forEach((line, i) => {
    if (!mentions.includes(i) || i === keep) {
      out.push(line);
      return;
    }
    const rest = withoutName(line, name);
    if (rest !== null) out.push(rest);
    if (!placed) {
      // The fresh mapping takes the place of the first stale one.
      out.push(fresh);
      placed = true;
    }
  });
  const appended = !placed;
  if (appended) out.push(fresh);
  return out.join(eol) + (endsWithEol || appended ? eol : '');
}

// /etc/fstab: one line for a mountpoint. A stale line for the same mountpoint is replaced in
// place (duplicates for it are removed); comments and every other line stay as they are.

export interface FstabEntry {
  spec: string;
  file: string;
  vfstype: string;
  mntops: string;
  freq: number;
  passno: number;
}

export function fstabLine(e: FstabEntry): string {
  return [e.spec, e.file, e.vfstype, e.mntops, e.freq, e.passno].join(' ');
}

function fields(line: string): string[] {
  const t = line.trim();
  return t === '' || t.startsWith('#') ? [] : t.split(/\s+/);
}

const normalisePath = (p: string) => (p.length > 1 ? p.replace(/\/+$/, '') : p);

/** Same entry as `e`, whitespace aside (missing freq/passno count as 0, as mount(8) reads them). */
function sameEntry(f: string[], e: FstabEntry): boolean {
  return (
    f[0] === e.spec &&
    normalisePath(f[1]!) === normalisePath(e.file) &&
    f[2] === e.vfstype &&
    (f[3] ?? 'defaults') === e.mntops &&
    Number(f[4] ?? 0) === e.freq &&
    Number(f[5] ?? 0) === e.passno &&
    f.length <= 6
  );
}

export function setFstabEntry(current: string | null, e: FstabEntry): string {
  const text = current ?? '';
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  const endsWithEol = lines[lines.length - 1] === '';
  if (endsWithEol) lines.pop();

  const forMountpoint = lines.flatMap((l, i) => {
    const f = fields(l);
    return f.length >= 2 && normalisePath(f[1]!) === normalisePath(e.file) ? [i] : [];
  });
  if (forMountpoint.length === 1 && sameEntry(fields(lines[forMountpoint[0]!]!), e)) return text;

  const wanted = fstabLine(e);
  const out: string[] = [];
  lines.forEach((line, i) => {
    if (!forMountpoint.includes(i)) out.push(line);
    else if (i === forMountpoint[0]) out.push(wanted);
  });
  const appended = forMountpoint.length === 0;
  if (appended) out.push(wanted);
  return out.join(eol) + (endsWithEol || appended ? eol : '');
}

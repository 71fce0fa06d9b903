// Parses the output of the batched read script: `<marker> <idx> <kind>` lines open a record,
// the following `key value` lines are its fields (values are single-line; payloads base64).
export interface ReadRecord {
  idx: number;
  kind: string;
  fields: Record<string, string>;
}

export function parseRecords(stdout: string, marker: string): Map<number, ReadRecord> {
  const records = new Map<number, ReadRecord>();
  let current: ReadRecord | undefined;
  for (const line of stdout.split('\n')) {
    if (line.startsWith(`${marker} `)) {
      const [, idx, kind] = line.split(' ');
      current = { idx: Number(idx), kind: kind ?? '', fields: {} };
      records.set(current.idx, current);
      continue;
    }
    if (!current || line === '') continue;
    const space = line.indexOf(' ');
    const key = space < 0 ? line : line.slice(0, space);
    current.fields[key] = space < 0 ? '' : line.slice(space + 1);
  }
  return records;
}

export function fromBase64(value: string | undefined): string {
  return value ? Buffer.from(value, 'base64').toString('utf8') : '';
}

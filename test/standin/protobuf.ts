// Kubernetes API stand-in: just enough Kubernetes protobuf to read the objects kubectl's typed
// clients send (`kubectl create namespace`): the envelope, TypeMeta and the ObjectMeta basics.

type Field = { no: number; wire: number; value: bigint | Buffer };

function readVarint(buf: Buffer, pos: number): [bigint, number] {
  let result = 0n;
  let shift = 0n;
  for (;;) {
    const b = buf[pos++];
    if (b === undefined) throw new Error('truncated varint');
    result |= BigInt(b & 0x7f) << shift;
    if (!(b & 0x80)) return [result, pos];
    shift += 7n;
  }
}

export function fields(buf: Buffer): Field[] {
  const out: Field[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const [tag, p1] = readVarint(buf, pos);
    pos = p1;
    const no = Number(tag >> 3n);
    const wire = Number(tag & 7n);
    if (wire === 0) {
      const [v, p2] = readVarint(buf, pos);
      out.push({ no, wire, value: v });
      pos = p2;
    } else if (wire === 2) {
      const [len, p2] = readVarint(buf, pos);
      const end = p2 + Number(len);
      out.push({ no, wire, value: buf.subarray(p2, end) });
      pos = end;
    } else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else throw new Error(`unsupported wire type ${wire}`);
  }
  return out;
}

const str = (f: Field) => (f.value as Buffer).toString('utf8');

function map(entries: Field[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of entries) {
    const kv = fields(e.value as Buffer);
    const k = kv.find((x) => x.no === 1);
    const v = kv.find((x) => x.no === 2);
    if (k) out[str(k)] = v ? str(v) : '';
  }
  return out;
}

function objectMeta(buf: Buffer): Record<string, unknown> {
  const fs = fields(buf);
  const meta: Record<string, unknown> = {};
  for (const f of fs) {
    if (f.no === 1) meta.name = str(f);
    if (f.no === 2) meta.generateName = str(f);
    if (f.no === 3) meta.namespace = str(f);
  }
  const labels = map(fs.filter((f) => f.no === 11));
  const annotations = map(fs.filter((f) => f.no === 12));
  if (Object.keys(labels).length) meta.labels = labels;
  if (Object.keys(annotations).length) meta.annotations = annotations;
  for (const k of Object.keys(meta)) if (meta[k] === '') delete meta[k];
  return meta;
}

/** Decodes a `k8s\0` protobuf body into JSON form; only the metadata is kept (enough for Namespace). */
export function decodeProtobufObject(body: Buffer): Record<string, any> {
  if (body.subarray(0, 4).toString('latin1') !== 'k8s\0') throw new Error('missing k8s protobuf magic');
  const unknown = fields(body.subarray(4));
  const typeMeta = fields((unknown.find((f) => f.no === 1)?.value as Buffer) ?? Buffer.alloc(0));
  const raw = (unknown.find((f) => f.no === 2)?.value as Buffer) ?? Buffer.alloc(0);
  const apiVersion = typeMeta.find((f) => f.no === 1);
  const kind = typeMeta.find((f) => f.no === 2);
  const obj = fields(raw);
  const metaField = obj.find((f) => f.no === 1);
  return {
    apiVersion: apiVersion ? str(apiVersion) : undefined,
    kind: kind ? str(kind) : undefined,
    metadata: metaField ? objectMeta(metaField.value as Buffer) : {},
  };
}

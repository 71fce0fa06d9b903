// S3 STAND-IN (tests and lab only): a small S3-compatible server for distribution's S3 driver. Not
// S3: path-style requests only, one region, one key pair, SigV4 in the Authorization header only.
// It serves the operations the driver calls (registry/storage/driver/s3-aws at v2.8.x): Put/Get/Head/
// Copy/Delete object, DeleteObjects, ListObjects (v1 and v2), and multipart uploads with
// ListMultipartUploads, ListParts and UploadPartCopy, and refuses like S3 does where it matters: a bad
// signature or key, a wrong region, a body that does not match its x-amz-content-sha256, a part
// other than the last smaller than 5 MiB, an unknown upload or key, a virtual-hosted-style request.
// Objects are plain files: <dir>/<bucket>/<key>.object (so a test reads what the registry stored).
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { sha256Hex, verify, type Credentials } from './sigv4.js';

export interface S3StandinOptions extends Credentials {
  dir: string;
  buckets: string[];
  log?: (line: string) => void;
}

const SUFFIX = '.object';
const MIN_PART = 5 * 1024 * 1024;

class S3Error extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly resource = '') {
    super(message);
  }
}

const xmlEscape = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
const xmlUnescape = (s: string) => s.replace(/&(amp|lt|gt|quot|apos|#(\d+)|#x([0-9a-f]+));/gi, (_, n, d, h) => (d ? String.fromCodePoint(+d) : h ? String.fromCodePoint(parseInt(h, 16)) : ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" } as Record<string, string>)[n]!));
const tag = (name: string, value: string | number | boolean) => `<${name}>${xmlEscape(String(value))}</${name}>`;
const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, '.000Z');

export function startS3Standin(o: S3StandinOptions, listen: { host: string; port: number }): Promise<Server> {
  for (const b of o.buckets) mkdirSync(join(o.dir, 'buckets', b), { recursive: true });
  mkdirSync(join(o.dir, 'uploads'), { recursive: true });
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      let status = 500;
      try {
        status = handle(o, req, body, res);
      } catch (e) {
        const err = e instanceof S3Error ? e : new S3Error(500, 'InternalError', (e as Error).message);
        status = err.status;
        const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<Error>${tag('Code', err.code)}${tag('Message', err.message)}${tag('Resource', err.resource)}</Error>`;
        res.writeHead(err.status, { 'Content-Type': 'application/xml' });
        res.end(req.method === 'HEAD' ? undefined : xml);
      }
      o.log?.(`${req.method} ${req.url} ${status}`);
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => resolve(server));
  });
}

function handle(o: S3StandinOptions, req: IncomingMessage, body: Buffer, res: ServerResponse): number {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const rawPath = q < 0 ? url : url.slice(0, q);
  const rawQuery = q < 0 ? '' : url.slice(q + 1);
  const method = req.method ?? 'GET';
  const sig = verify(method, rawPath, rawQuery, req.headers, o);
  if (!sig.ok) throw new S3Error(sig.status, sig.code, sig.message, rawPath);
  const declared = String(req.headers['x-amz-content-sha256']);
  if (declared !== 'UNSIGNED-PAYLOAD' && declared !== sha256Hex(body)) throw new S3Error(400, 'XAmzContentSHA256Mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed.", rawPath);
  const query = new URLSearchParams(rawQuery);
  const segments = rawPath.split('/').slice(1);
  const bucket = decodeURIComponent(segments[0] ?? '');
  const key = segments.slice(1).map((s) => decodeURIComponent(s)).join('/');
  if (!bucket) throw new S3Error(400, 'InvalidRequest', 'path-style requests only: /<bucket>/<key> (the S3 stand-in has no virtual-hosted-style buckets)', rawPath);
  const root = join(o.dir, 'buckets', bucket);
  if (!existsSync(root)) throw new S3Error(404, 'NoSuchBucket', 'The specified bucket does not exist', `/${bucket}`);
  const ctx = { o, root, bucket, key, query, body, req, res };
  if (!key) return bucketOp(ctx, method);
  return objectOp(ctx, method);
}

interface Ctx {
  o: S3StandinOptions;
  root: string;
  bucket: string;
  key: string;
  query: URLSearchParams;
  body: Buffer;
  req: IncomingMessage;
  res: ServerResponse;
}

function send(res: ServerResponse, status: number, xml?: string, headers: Record<string, string | number> = {}): number {
  res.writeHead(status, xml === undefined ? headers : { 'Content-Type': 'application/xml', ...headers });
  res.end(xml === undefined ? undefined : `<?xml version="1.0" encoding="UTF-8"?>\n${xml}`);
  return status;
}

const objectFile = (ctx: Ctx, key = ctx.key) => {
  if (key.split('/').some((s) => s === '..' || s === '.')) throw new S3Error(400, 'InvalidArgument', 'the S3 stand-in refuses keys with . or .. segments', key);
  return join(ctx.root, `${key}${SUFFIX}`);
};

function writeObject(file: string, data: Buffer): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}

function readObject(ctx: Ctx, key = ctx.key): Buffer {
  const file = objectFile(ctx, key);
  if (!existsSync(file)) throw new S3Error(404, 'NoSuchKey', 'The specified key does not exist.', key);
  return readFileSync(file);
}

/** Every key of the bucket, in S3's (byte) order. */
function allKeys(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(SUFFIX)) out.push(relative(root, p).slice(0, -SUFFIX.length));
    }
  };
  walk(root);
  return out.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

function bucketOp(ctx: Ctx, method: string): number {
  const { query } = ctx;
  if (method === 'HEAD') return send(ctx.res, 200);
  if (method === 'GET' && query.has('uploads')) return listUploads(ctx);
  if (method === 'GET' && query.has('location')) return send(ctx.res, 200, `<LocationConstraint>${xmlEscape(ctx.o.region)}</LocationConstraint>`);
  if (method === 'GET') return listObjects(ctx);
  if (method === 'POST' && query.has('delete')) return deleteObjects(ctx);
  throw new S3Error(501, 'NotImplemented', `the S3 stand-in does not implement ${method} on a bucket with ${[...query.keys()].join(',') || 'no query'}`);
}

function listObjects(ctx: Ctx): number {
  const { query } = ctx;
  const v2 = query.get('list-type') === '2';
  const prefix = query.get('prefix') ?? '';
  const delimiter = query.get('delimiter') ?? '';
  const max = Math.min(Number(query.get('max-keys') ?? 1000), 1000);
  const after = v2 ? (query.get('continuation-token') ?? query.get('start-after') ?? '') : (query.get('marker') ?? '');
  const contents: string[] = [];
  const prefixes: string[] = [];
  let last = '';
  let truncated = false;
  for (const key of allKeys(ctx.root)) {
    if (!key.startsWith(prefix) || (after && Buffer.compare(Buffer.from(key), Buffer.from(after)) <= 0)) continue;
    const rest = key.slice(prefix.length);
    const cut = delimiter ? rest.indexOf(delimiter) : -1;
    const entry = cut < 0 ? key : prefix + rest.slice(0, cut + delimiter.length);
    if (cut >= 0 && (prefixes.includes(entry) || (after && after.startsWith(entry)))) continue;
    if (contents.length + prefixes.length >= max) {
      truncated = true;
      break;
    }
    if (cut >= 0) prefixes.push(entry);
    else contents.push(key);
    last = entry;
  }
  const items = contents
    .map((k) => {
      const st = statSync(objectFile(ctx, k));
      return `<Contents>${tag('Key', k)}${tag('LastModified', iso(st.mtime))}${tag('ETag', `"${md5(readObject(ctx, k))}"`)}${tag('Size', st.size)}${tag('StorageClass', 'STANDARD')}</Contents>`;
    })
    .join('');
  const common = prefixes.map((p) => `<CommonPrefixes>${tag('Prefix', p)}</CommonPrefixes>`).join('');
  const head = `${tag('Name', ctx.bucket)}${tag('Prefix', prefix)}${delimiter ? tag('Delimiter', delimiter) : ''}${tag('MaxKeys', max)}${tag('IsTruncated', truncated)}`;
  const page = v2
    ? `${tag('KeyCount', contents.length + prefixes.length)}${query.has('continuation-token') ? tag('ContinuationToken', query.get('continuation-token')!) : ''}${truncated ? tag('NextContinuationToken', last) : ''}`
    : `${tag('Marker', query.get('marker') ?? '')}${truncated ? tag('NextMarker', last) : ''}`;
  return send(ctx.res, 200, `<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${head}${page}${items}${common}</ListBucketResult>`);
}

function deleteObjects(ctx: Ctx): number {
  const keys = [...ctx.body.toString('utf8').matchAll(/<Key>([\s\S]*?)<\/Key>/g)].map((m) => xmlUnescape(m[1]!));
  if (keys.length > 1000) throw new S3Error(400, 'MalformedXML', 'at most 1000 keys per DeleteObjects');
  for (const k of keys) rmSync(objectFile(ctx, k), { force: true });
  return send(ctx.res, 200, `<DeleteResult>${keys.map((k) => `<Deleted>${tag('Key', k)}</Deleted>`).join('')}</DeleteResult>`);
}

// --- multipart uploads -------------------------------------------------------------------------

interface Upload {
  bucket: string;
  key: string;
  initiated: string;
}

const uploadDir = (ctx: Ctx, id: string) => {
  if (!/^[0-9a-f]{32}$/.test(id)) throw new S3Error(404, 'NoSuchUpload', 'The specified upload does not exist.', id);
  return join(ctx.o.dir, 'uploads', id);
};

function upload(ctx: Ctx, id: string): Upload {
  const dir = uploadDir(ctx, id);
  if (!existsSync(join(dir, 'upload.json'))) throw new S3Error(404, 'NoSuchUpload', 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.', id);
  const u = JSON.parse(readFileSync(join(dir, 'upload.json'), 'utf8')) as Upload;
  if (u.bucket !== ctx.bucket || (ctx.key && u.key !== ctx.key)) throw new S3Error(404, 'NoSuchUpload', 'The specified upload does not exist.', id);
  return u;
}

function parts(ctx: Ctx, id: string): Array<{ n: number; size: number; etag: string; mtime: Date }> {
  const dir = uploadDir(ctx, id);
  return readdirSync(dir)
    .filter((f) => /^\d+$/.test(f))
    .map((f) => {
      const data = readFileSync(join(dir, f));
      return { n: Number(f), size: data.length, etag: `"${md5(data)}"`, mtime: statSync(join(dir, f)).mtime };
    })
    .sort((a, b) => a.n - b.n);
}

function listUploads(ctx: Ctx): number {
  const prefix = ctx.query.get('prefix') ?? '';
  const ids = readdirSync(join(ctx.o.dir, 'uploads')).filter((id) => existsSync(join(ctx.o.dir, 'uploads', id, 'upload.json')));
  const uploads = ids
    .map((id) => ({ id, ...(JSON.parse(readFileSync(join(ctx.o.dir, 'uploads', id, 'upload.json'), 'utf8')) as Upload) }))
    .filter((u) => u.bucket === ctx.bucket && u.key.startsWith(prefix))
    .sort((a, b) => (a.key === b.key ? a.initiated.localeCompare(b.initiated) : a.key < b.key ? -1 : 1));
  const xml = uploads.map((u) => `<Upload>${tag('Key', u.key)}${tag('UploadId', u.id)}${tag('Initiated', u.initiated)}${tag('StorageClass', 'STANDARD')}</Upload>`).join('');
  return send(ctx.res, 200, `<ListMultipartUploadsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${tag('Bucket', ctx.bucket)}${tag('Prefix', prefix)}${tag('MaxUploads', 1000)}${tag('IsTruncated', false)}${xml}</ListMultipartUploadsResult>`);
}

/** `x-amz-copy-source: /bucket/key` (URL-encoded) of this bucket, with an optional `bytes=a-b` range. */
function copySource(ctx: Ctx): Buffer {
  const raw = decodeURIComponent(String(ctx.req.headers['x-amz-copy-source'])).replace(/^\//, '');
  const slash = raw.indexOf('/');
  if (slash < 0 || raw.slice(0, slash) !== ctx.bucket) throw new S3Error(400, 'InvalidArgument', 'the S3 stand-in copies only within the bucket', raw);
  const data = readObject(ctx, raw.slice(slash + 1));
  const range = ctx.req.headers['x-amz-copy-source-range'];
  if (range === undefined) return data;
  const m = /^bytes=(\d+)-(\d+)$/.exec(String(range));
  if (!m || +m[2]! >= data.length || +m[1]! > +m[2]!) throw new S3Error(400, 'InvalidArgument', 'The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy');
  return data.subarray(+m[1]!, +m[2]! + 1);
}

function objectOp(ctx: Ctx, method: string): number {
  const { query, res, body } = ctx;
  const uploadId = query.get('uploadId');
  switch (method) {
    case 'PUT': {
      if (uploadId !== null) {
        upload(ctx, uploadId);
        const n = Number(query.get('partNumber'));
        if (!Number.isInteger(n) || n < 1 || n > 10000) throw new S3Error(400, 'InvalidArgument', 'Part number must be an integer between 1 and 10000, inclusive');
        const copying = ctx.req.headers['x-amz-copy-source'] !== undefined;
        const data = copying ? copySource(ctx) : body;
        writeObject(join(uploadDir(ctx, uploadId), String(n)), data);
        const etag = `"${md5(data)}"`;
        if (copying) return send(res, 200, `<CopyPartResult>${tag('LastModified', iso(new Date()))}${tag('ETag', etag)}</CopyPartResult>`);
        return send(res, 200, undefined, { ETag: etag });
      }
      if (ctx.req.headers['x-amz-copy-source'] !== undefined) {
        const data = copySource(ctx);
        writeObject(objectFile(ctx), data);
        return send(res, 200, `<CopyObjectResult>${tag('LastModified', iso(new Date()))}${tag('ETag', `"${md5(data)}"`)}</CopyObjectResult>`);
      }
      writeObject(objectFile(ctx), body);
      return send(res, 200, undefined, { ETag: `"${md5(body)}"` });
    }
    case 'GET':
    case 'HEAD': {
      if (uploadId !== null && method === 'GET') {
        upload(ctx, uploadId);
        const list = parts(ctx, uploadId)
          .map((p) => `<Part>${tag('PartNumber', p.n)}${tag('LastModified', iso(p.mtime))}${tag('ETag', p.etag)}${tag('Size', p.size)}</Part>`)
          .join('');
        return send(res, 200, `<ListPartsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${tag('Bucket', ctx.bucket)}${tag('Key', ctx.key)}${tag('UploadId', uploadId)}${tag('MaxParts', 1000)}${tag('IsTruncated', false)}${list}</ListPartsResult>`);
      }
      const data = readObject(ctx);
      const mtime = statSync(objectFile(ctx)).mtime;
      const headers: Record<string, string | number> = { ETag: `"${md5(data)}"`, 'Last-Modified': mtime.toUTCString(), 'Content-Type': 'application/octet-stream', 'Accept-Ranges': 'bytes' };
      const range = ctx.req.headers.range;
      if (range !== undefined) {
        const m = /^bytes=(\d+)-(\d*)$/.exec(range);
        if (!m || +m[1]! >= data.length) {
          res.writeHead(416, { 'Content-Type': 'application/xml' });
          res.end(method === 'HEAD' ? undefined : `<?xml version="1.0" encoding="UTF-8"?>\n<Error>${tag('Code', 'InvalidRange')}${tag('Message', 'The requested range is not satisfiable')}</Error>`);
          return 416;
        }
        const end = m[2] ? Math.min(+m[2], data.length - 1) : data.length - 1;
        const slice = data.subarray(+m[1]!, end + 1);
        res.writeHead(206, { ...headers, 'Content-Length': slice.length, 'Content-Range': `bytes ${m[1]}-${end}/${data.length}` });
        res.end(method === 'HEAD' ? undefined : slice);
        return 206;
      }
      res.writeHead(200, { ...headers, 'Content-Length': data.length });
      res.end(method === 'HEAD' ? undefined : data);
      return 200;
    }
    case 'POST': {
      if (query.has('uploads')) {
        const id = randomBytes(16).toString('hex');
        mkdirSync(uploadDir(ctx, id), { recursive: true });
        writeFileSync(join(uploadDir(ctx, id), 'upload.json'), JSON.stringify({ bucket: ctx.bucket, key: ctx.key, initiated: iso(new Date()) } satisfies Upload));
        return send(res, 200, `<InitiateMultipartUploadResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${tag('Bucket', ctx.bucket)}${tag('Key', ctx.key)}${tag('UploadId', id)}</InitiateMultipartUploadResult>`);
      }
      if (uploadId !== null) return complete(ctx, uploadId);
      break;
    }
    case 'DELETE': {
      if (uploadId !== null) {
        upload(ctx, uploadId);
        rmSync(uploadDir(ctx, uploadId), { recursive: true, force: true });
        return send(res, 204);
      }
      rmSync(objectFile(ctx), { force: true });
      return send(res, 204);
    }
  }
  throw new S3Error(501, 'NotImplemented', `the S3 stand-in does not implement ${method} on an object with ${[...query.keys()].join(',') || 'no query'}`);
}

function complete(ctx: Ctx, id: string): number {
  upload(ctx, id);
  const stored = new Map(parts(ctx, id).map((p) => [p.n, p]));
  const wanted = [...ctx.body.toString('utf8').matchAll(/<Part>([\s\S]*?)<\/Part>/g)].map((m) => ({
    n: Number(/<PartNumber>(\d+)<\/PartNumber>/.exec(m[1]!)?.[1]),
    etag: xmlUnescape(/<ETag>([\s\S]*?)<\/ETag>/.exec(m[1]!)?.[1] ?? ''),
  }));
  if (!wanted.length) throw new S3Error(400, 'MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema');
  wanted.forEach((w, i) => {
    const p = stored.get(w.n);
    if (!p || p.etag !== (w.etag.startsWith('"') ? w.etag : `"${w.etag}"`)) throw new S3Error(400, 'InvalidPart', 'One or more of the specified parts could not be found. The part might not have been uploaded, or the specified entity tag might not have matched the part\'s entity tag.');
    if (i > 0 && w.n <= wanted[i - 1]!.n) throw new S3Error(400, 'InvalidPartOrder', 'The list of parts was not in ascending order. The parts list must be specified in order by part number.');
    if (i < wanted.length - 1 && p.size < MIN_PART) throw new S3Error(400, 'EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed object size.');
  });
  const data = Buffer.concat(wanted.map((w) => readFileSync(join(uploadDir(ctx, id), String(w.n)))));
  writeObject(objectFile(ctx), data);
  rmSync(uploadDir(ctx, id), { recursive: true, force: true });
  const etag = `"${md5(Buffer.concat(wanted.map((w) => Buffer.from(stored.get(w.n)!.etag.slice(1, -1), 'hex'))))}-${wanted.length}"`;
  return send(ctx.res, 200, `<CompleteMultipartUploadResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${tag('Bucket', ctx.bucket)}${tag('Key', ctx.key)}${tag('ETag', etag)}</CompleteMultipartUploadResult>`);
}

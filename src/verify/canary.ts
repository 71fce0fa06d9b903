// The canary image `play verify` pushes and pulls: a tiny OCI image layout made in process (one
// uncompressed tar layer holding the run's id, so each run's layer is new), no Docker needed.
import { createHash } from 'node:crypto';

export interface Canary {
  /** Path inside the layout dir → content (oci-layout, index.json, blobs/sha256/<hex>). */
  files: Map<string, Buffer>;
  tag: string;
  manifestDigest: string;
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** The platform containerd matches an image config against (Go's GOARCH names). */
export function goArch(arch: string = process.arch): string {
  return ({ x64: 'amd64', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x', ia32: '386' } as Record<string, string>)[arch] ?? arch;
}

export function makeCanary(runId: string, arch = goArch()): Canary {
  const files = new Map<string, Buffer>();
  const put = (data: Buffer) => {
    const hex = sha256(data);
    files.set(`blobs/sha256/${hex}`, data);
    return { digest: `sha256:${hex}`, size: data.length };
  };
  const layerData = tarOf([['regplay-canary.txt', Buffer.from(`regplay verify canary ${runId}\n`)]]);
  const layer = put(layerData);
  const config = put(Buffer.from(JSON.stringify({ architecture: arch, os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [layer.digest] } })));
  const manifest = put(
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
        layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...layer }],
      }),
    ),
  );
  const tag = runId;
  files.set('oci-layout', Buffer.from(JSON.stringify({ imageLayoutVersion: '1.0.0' })));
  files.set(
    'index.json',
    Buffer.from(JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest, annotations: { 'org.opencontainers.image.ref.name': tag } }] })),
  );
  return { files, tag, manifestDigest: manifest.digest };
}

/** The canary's layout directory as one tar archive (to unpack on a build host). */
export function layoutTar(c: Canary): Buffer {
  return tarOf([...c.files]);
}

/** A ustar archive of regular files (mode 0644, owner 0, fixed mtime); `tar -x` makes the parent directories. */
export function tarOf(entries: Array<[string, Buffer]>): Buffer {
  return Buffer.concat([...entries.map(([name, data]) => tarEntry(name, data)), Buffer.alloc(1024)]);
}

function tarEntry(name: string, data: Buffer): Buffer {
  if (Buffer.byteLength(name) > 100) throw new Error(`tar entry name too long: ${name}`);
  const header = Buffer.alloc(512);
  const field = (value: string, offset: number, length: number) => header.write(value, offset, length, 'ascii');
  const octal = (n: number, length: number) => n.toString(8).padStart(length - 1, '0');
  field(name, 0, 100);
  field(octal(0o644, 8), 100, 8);
  field(octal(0, 8), 108, 8);
  field(octal(0, 8), 116, 8);
  field(octal(data.length, 12), 124, 12);
  field(octal(1_700_000_000, 12), 136, 12);
  field('        ', 148, 8);
  field('0', 156, 1);
  field('ustar', 257, 6);
  field('00', 263, 2);
  let sum = 0;
  for (const b of header) sum += b;
  field(`${octal(sum, 7)}\0`, 148, 8);
  const pad = Buffer.alloc((512 - (data.length % 512)) % 512);
  return Buffer.concat([header, data, pad]);
}

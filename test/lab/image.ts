// A tiny OCI image built locally (no network): an OCI layout directory skopeo can push
// (`skopeo copy oci:<dir>:<tag> docker://...`), so registry tests have something real to push and pull.
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { tarOf } from '../../src/verify/canary.js';

export interface TestImage {
  /** `oci:<dir>:<tag>` for skopeo. */
  ref: string;
  dir: string;
  tag: string;
  manifestDigest: string;
  /** The one layer's digest (gzip of a tar holding hello.txt with `content`). */
  layerDigest: string;
}

export function makeTestImage(dir: string, opts: { tag?: string; content?: string } = {}): TestImage {
  const tag = opts.tag ?? 'latest';
  const blobs = join(dir, 'blobs', 'sha256');
  mkdirSync(blobs, { recursive: true });
  const put = (data: Buffer): { digest: string; size: number } => {
    const hex = createHash('sha256').update(data).digest('hex');
    writeFileSync(join(blobs, hex), data);
    return { digest: `sha256:${hex}`, size: data.length };
  };
  const tar = tarOf([['hello.txt', Buffer.from(opts.content ?? 'hello from the regplay lab\n')]]);
  const diffId = `sha256:${createHash('sha256').update(tar).digest('hex')}`;
  const layer = put(gzipSync(tar));
  const config = put(Buffer.from(JSON.stringify({
    architecture: 'amd64',
    os: 'linux',
    config: { Cmd: ['/hello.txt'] },
    rootfs: { type: 'layers', diff_ids: [diffId] },
  })));
  const manifest = put(Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...layer }],
  })));
  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(join(dir, 'index.json'), JSON.stringify({
    schemaVersion: 2,
    manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest, annotations: { 'org.opencontainers.image.ref.name': tag } }],
  }));
  return { ref: `oci:${dir}:${tag}`, dir, tag, manifestDigest: manifest.digest, layerDigest: layer.digest };
}

// A tiny OCI image built here (one uncompressed tar layer, no network), written as an OCI layout
// on a lab host for skopeo to push: `skopeo copy oci:<dir>:1 docker://…`.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Lab } from '../lab/index.js';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const goArch = (): string => ({ x64: 'amd64', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x' })[process.arch as string] ?? process.arch;

/** An OCI image layout with one file, hello.txt = `text`, written to `dir` on `host`, tag `1`. */
export async function buildImage(lab: Lab, host: string, dir: string, text = 'pushed by skopeo, pulled by containerd\n'): Promise<void> {
  const src = mkdtempSync(join(tmpdir(), 'oci-layer-'));
  writeFileSync(join(src, 'hello.txt'), text);
  const layer = execFileSync('tar', ['--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner', '-C', src, '-cf', '-', 'hello.txt']);
  rmSync(src, { recursive: true, force: true });
  const config = Buffer.from(JSON.stringify({ architecture: goArch(), os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [`sha256:${sha256(layer)}`] } }));
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${sha256(config)}`, size: config.length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: `sha256:${sha256(layer)}`, size: layer.length }],
    }),
  );
  const index = {
    schemaVersion: 2,
    manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${sha256(manifest)}`, size: manifest.length, annotations: { 'org.opencontainers.image.ref.name': '1' } }],
  };
  for (const blob of [layer, config, manifest]) await lab.writeFile(host, `${dir}/blobs/sha256/${sha256(blob)}`, blob);
  await lab.writeFile(host, `${dir}/oci-layout`, JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  await lab.writeFile(host, `${dir}/index.json`, JSON.stringify(index));
}

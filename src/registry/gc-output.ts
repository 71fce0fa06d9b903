// What `play registry gc` reads back from the registry's container: the collector's own report
// (`registry garbage-collect`), the sizes of the blobs in its filesystem storage, and the upload
// sessions being written to. Pure parsers of command output.

export interface CollectorReport {
  /** "N blobs marked, M blobs and K manifests eligible for deletion". */
  marked: number;
  eligibleBlobs: string[];
  eligibleManifests: string[];
  /** The storage holds no repository yet (the collector says "Path not found: …/repositories"). */
  empty: boolean;
}

const DIGEST = 'sha256:[a-f0-9]{64}';

/** The stdout of `registry garbage-collect [--dry-run] [--delete-untagged]` (distribution 2.8 and 3.0 word it alike). */
export function parseCollector(stdout: string, stderr = ''): CollectorReport {
  const empty = /Path not found: \S*\/docker\/registry\/v2\/repositories/.test(`${stdout}\n${stderr}`);
  const summary = /(\d+) blobs marked, (\d+) blobs and (\d+) manifests eligible for deletion/.exec(stdout);
  const all = (re: RegExp) => [...stdout.matchAll(re)].map((m) => m[1]!);
  return {
    marked: summary ? Number(summary[1]) : 0,
    eligibleBlobs: all(new RegExp(`^blob eligible for deletion: (${DIGEST})\\s*$`, 'gm')),
    eligibleManifests: all(new RegExp(`^manifest eligible for deletion: (${DIGEST})\\s*$`, 'gm')),
    empty,
  };
}

/** `stat -c '%s %n'` of every `<root>/docker/registry/v2/blobs/sha256/xx/<hex>/data`: digest → bytes. */
export function parseBlobSizes(stdout: string): Map<string, number> {
  const sizes = new Map<string, number>();
  for (const line of stdout.split('\n')) {
    const m = /^(\d+) \S*\/docker\/registry\/v2\/blobs\/sha256\/[a-f0-9]{2}\/([a-f0-9]{64})\/data$/.exec(line.trim());
    if (m) sizes.set(`sha256:${m[2]}`, Number(m[1]));
  }
  return sizes;
}

/** Paths under `…/repositories/<repo>/_uploads/<id>/` written to recently: the repositories being pushed to. */
export function parseUploads(stdout: string): string[] {
  const repos = new Set<string>();
  for (const line of stdout.split('\n')) {
    const m = /\/docker\/registry\/v2\/repositories\/(.+?)\/_uploads\//.exec(line);
    if (m) repos.add(m[1]!);
  }
  return [...repos].sort();
}

/** "1.2 MiB (1234567 bytes)". */
export function formatBytes(n: number): string {
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let unit = '';
  for (const u of units) {
    if (v < 1024) break;
    v /= 1024;
    unit = u;
  }
  return unit ? `${v.toFixed(1)} ${unit} (${n} bytes)` : `${n} bytes`;
}

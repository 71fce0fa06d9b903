// containers/image (CRI-O, Podman, Buildah, Skopeo): an optional registries.conf.d drop-in declaring
// the registry with TLS verified. Per containers-registries.conf.d(5), registries.conf is loaded, then
// the drop-ins in alpha-numerical order, on every pull (no restart); a [[registry]] table overwrites an
// earlier one with the same prefix, and drop-ins must be in the version 2 format (a version 1 file
// mixed with them stops every pull). So before writing, the other files are read (a fact) and a
// table of theirs for the same prefix that differs from ours, or a version 1 file, is refused:
// ours would silently replace it, or it would replace ours.
import { posix } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { parse as parseToml } from 'smol-toml';
import { StateError } from '../../src/errors.js';
import type { FactQuery } from '../../src/resources/types.js';

const MARK = '#@regplay-file ';

export interface RegistriesConfFile {
  path: string;
  text: string;
}

/** The main registries.conf of a drop-in directory (containers/image: `<conf>.d`). */
export function mainConf(dir: string): string {
  return dir.replace(/\/+$/, '').replace(/\.d$/, '');
}

type Table = Record<string, unknown>;
const entry = (address: string): Table => ({ prefix: address, location: address, insecure: false });

export function containersDropin(addresses: string[]): string {
  return [
    '# Managed by regplay (node-trust): containers/image (CRI-O, Podman, Buildah, Skopeo) reads this on',
    '# every pull, no restart needed. TLS is verified with the CA in /etc/containers/certs.d/<address>/.',
    ...addresses.flatMap((a) => ['', '[[registry]]', `prefix = ${JSON.stringify(a)}`, `location = ${JSON.stringify(a)}`, 'insecure = false']),
    '',
  ].join('\n');
}

/** Every other registries.conf file on the host (main file and *.conf drop-ins), with its text. */
export function registriesConfQuery(dir: string): FactQuery<RegistriesConfFile[]> {
  // The paths reach the shell as arguments only.
  const script = `for f in "$1" "$2"/*.conf; do if [ -f "$f" ]; then printf '\\n${MARK}%s\\n' "$f"; cat "$f"; fi; done; true`;
  return { argv: ['sh', '-c', script, 'sh', mainConf(dir), dir], parse: parseRegistriesConfFiles };
}

export function parseRegistriesConfFiles(stdout: string): RegistriesConfFile[] {
  const files: RegistriesConfFile[] = [];
  for (const line of stdout.split('\n')) {
    if (line.startsWith(MARK)) files.push({ path: line.slice(MARK.length), text: '' });
    else if (files.length) files[files.length - 1]!.text += `${line}\n`;
  }
  return files;
}

/** Refuses (StateError) when another file would conflict with the drop-in for `addresses`. */
export function checkDropinConflicts(files: RegistriesConfFile[], own: string, addresses: string[]): void {
  for (const f of files) {
    if (posix.normalize(f.path) === posix.normalize(own)) continue;
    let doc: Table;
    try {
      doc = parseToml(f.text) as Table;
    } catch {
      throw new StateError(`${f.path} is not valid TOML`, `fix ${f.path}: Podman, CRI-O and skopeo cannot read it either`);
    }
    if (doc.registries !== undefined) {
      throw new StateError(`${f.path} is in the version 1 format ([registries.*]), which cannot be mixed with a version 2 drop-in`, `convert ${f.path} to [[registry]] tables (containers-registries.conf(5)), or set node_trust_containers_dropin: false`);
    }
    const tables = Array.isArray(doc.registry) ? (doc.registry as Table[]) : [];
    for (const address of addresses) {
      const theirs = tables.find((t) => (t.prefix ?? t.location) === address);
      // smol-toml tables have no prototype: compare as plain JSON.
      if (theirs && !isDeepStrictEqual(JSON.parse(JSON.stringify(theirs)), entry(address))) {
        throw new StateError(
          `${f.path} already has a [[registry]] table for ${address} (${JSON.stringify(theirs)}), which regplay's drop-in ${own} would replace or be replaced by`,
          `move those settings out of ${f.path} (or make it prefix/location "${address}", insecure = false), or set node_trust_containers_dropin: false`,
        );
      }
    }
  }
}

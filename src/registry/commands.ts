// `play registry ls | tags REPO | rm REPO:TAG | rm REPO@DIGEST`: what each prints and which exit it
// ends with. Deletion is only ever of the one manifest asked for, after its digest is resolved.
import { InputError } from '../errors.js';
import { RegistryClient, RegistryError } from './client.js';
import { RegistryUnreachable } from './http.js';

export const REGISTRY_EXIT = { ok: 0, refused: 2, input: 3, unreachable: 4, notFound: 5, busy: 7 } as const;

const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const REPO = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`);
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;

export interface Reference {
  repo: string;
  tag?: string;
  digest?: string;
}

/** REPO, REPO:TAG or REPO@DIGEST, checked against the distribution spec's grammar (bad input: exit 3). */
export function parseReference(text: string, o: { needsTagOrDigest: boolean }): Reference {
  const at = text.indexOf('@');
  if (at >= 0) {
    const repo = text.slice(0, at);
    const digest = text.slice(at + 1);
    checkRepo(repo, text);
    if (!DIGEST.test(digest)) throw new InputError(`${text}: '${digest}' is not a digest`, undefined, 'a digest is sha256: and 64 lowercase hex digits (see `play registry tags REPO`, or rm REPO:TAG)');
    return { repo, digest };
  }
  const colon = text.lastIndexOf(':');
  const repo = colon > text.lastIndexOf('/') && colon >= 0 ? text.slice(0, colon) : text;
  const tag = repo === text ? undefined : text.slice(colon + 1);
  checkRepo(repo, text);
  if (tag !== undefined && !TAG.test(tag)) throw new InputError(`${text}: '${tag}' is not a valid tag`, undefined, 'tags are letters, digits, _ . - (at most 128, not starting with . or -)');
  if (o.needsTagOrDigest && tag === undefined) throw new InputError(`${text}: say which image: REPO:TAG or REPO@DIGEST`, undefined, 'e.g. `play registry rm team/app:1.2`');
  return { repo, ...(tag !== undefined ? { tag } : {}) };
}

function checkRepo(repo: string, text: string): void {
  if (!REPO.test(repo)) throw new InputError(`${text}: '${repo}' is not a repository name`, undefined, 'lowercase letters, digits and separators (. _ -), path components joined by /');
}

export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** Asks on a terminal; undefined when there is none. */
  confirm?: (question: string) => Promise<boolean>;
}

export async function ls(client: RegistryClient, io: Io): Promise<number> {
  return guarded(io, async () => {
    for (const repo of await client.catalog()) io.out(`${repo}\t${(await client.tags(repo)).join(' ')}\n`);
    return REGISTRY_EXIT.ok;
  });
}

export async function tags(client: RegistryClient, ref: Reference, io: Io): Promise<number> {
  return guarded(io, async () => {
    for (const tag of await client.tags(ref.repo)) io.out(`${tag}\n`);
    return REGISTRY_EXIT.ok;
  });
}

/** rm without --yes where nothing can ask: refused before any host is contacted (the CLI checks first). */
export function rmNeedsYes(): InputError {
  return new InputError('rm deletes from the registry: without a terminal to confirm on, say --yes (or --dry-run to see what would go)');
}

export interface RmOptions {
  yes: boolean;
  dryRun: boolean;
}

export async function rm(client: RegistryClient, ref: Reference, o: RmOptions, io: Io): Promise<number> {
  if (!o.yes && !o.dryRun && !io.confirm) throw rmNeedsYes();
  return guarded(io, async () => {
    // The repository and the tag are checked by name first: "unknown tag" beats a bare 404.
    const known = await client.tags(ref.repo);
    if (ref.tag !== undefined && !known.includes(ref.tag)) {
      io.err(`play registry: ${ref.repo}: no tag '${ref.tag}' (tags: ${known.join(', ') || 'none'}); nothing deleted\n`);
      return REGISTRY_EXIT.notFound;
    }
    const digest = ref.digest ?? (await client.digest(ref.repo, ref.tag!));
    if (ref.digest) await client.digest(ref.repo, ref.digest); // a digest the repository lacks: not found, nothing deleted
    // Deleting a manifest removes every tag that points at it: name them all.
    const same: string[] = [];
    for (const tag of known) if ((await client.digest(ref.repo, tag)) === digest) same.push(tag);
    const what = `${ref.repo}@${digest}${same.length ? ` (tags: ${same.join(', ')})` : ' (untagged)'}`;
    if (o.dryRun) {
      io.out(`would delete ${what}\n`);
      return REGISTRY_EXIT.ok;
    }
    if (!o.yes && !(await io.confirm!(`delete ${what}? [y/N] `))) {
      io.err('play registry: not confirmed; nothing deleted\n');
      return REGISTRY_EXIT.input;
    }
    await client.deleteManifest(ref.repo, digest);
    io.out(`deleted ${what}\n  (its blobs stay on disk until \`play registry gc\`/the registry's garbage-collect)\n`);
    return REGISTRY_EXIT.ok;
  });
}

async function guarded(io: Io, fn: () => Promise<number>): Promise<number> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof RegistryError) {
      io.err(`play registry: ${e.message}; nothing deleted\n`);
      return e.status === 404 ? REGISTRY_EXIT.notFound : REGISTRY_EXIT.refused;
    }
    if (e instanceof RegistryUnreachable) {
      io.err(`play registry: the registry is unreachable: ${e.message}\n`);
      return REGISTRY_EXIT.unreachable;
    }
    throw e;
  }
}

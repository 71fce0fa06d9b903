// Reading a file the user named (inventory, playbook, vars file, `!file`, `--limit @file`): only a
// regular file, only up to a size, and never blocking: a FIFO, /dev/zero or a directory is bad input.
import { accessSync, closeSync, constants, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { InputError, type Origin } from '../../errors.js';

/** Inventories, playbooks and vars files. */
export const MAX_YAML_BYTES = 4 * 1024 * 1024;
/** known_hosts files (one line per host key). */
export const MAX_KNOWN_HOSTS_BYTES = 64 * 1024 * 1024;
/** `!file` secrets and SSH keys: a password, a token or a PEM key is far smaller. */
export const MAX_SECRET_FILE_BYTES = 64 * 1024;

function kindOf(mode: number): string {
  switch (mode & constants.S_IFMT) {
    case constants.S_IFDIR:
      return 'a directory';
    case constants.S_IFIFO:
      return 'a FIFO';
    case constants.S_IFCHR:
      return 'a character device';
    case constants.S_IFBLK:
      return 'a block device';
    case constants.S_IFSOCK:
      return 'a socket';
    default:
      return 'not a regular file';
  }
}

/**
 * The text of `path` (UTF-8). `what` names the file in errors ("!file", "inventory"); `origin` is
 * where it was named. O_NONBLOCK: opening a FIFO must not wait for a writer.
 */
export function readInputFile(path: string, maxBytes: number, what: string, origin?: Origin): string {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (e) {
    throw new InputError(`cannot read ${path} (${what}): ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, origin ?? { file: path });
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new InputError(`${path} (${what}) is ${kindOf(st.mode)}: only a regular file is read`, origin ?? { file: path });
    if (st.size > maxBytes) throw new InputError(`${path} (${what}) is ${st.size} bytes: more than the ${maxBytes} read at most`, origin ?? { file: path });
    const buf = Buffer.alloc(st.size + 1);
    let n = 0;
    for (;;) {
      const got = readSync(fd, buf, n, buf.length - n, null);
      if (got === 0) break;
      n += got;
      if (n === buf.length) throw new InputError(`${path} (${what}) grew while it was read`, origin ?? { file: path }, 'run again once nothing writes to it');
    }
    return buf.subarray(0, n).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** A file read later (an SSH key, known_hosts): it must be a readable regular file now, of at most `maxBytes`. */
export function checkReadableFile(path: string, what: string, origin?: Origin, hint?: string, maxBytes = MAX_SECRET_FILE_BYTES): void {
  let st;
  try {
    st = statSync(path);
    accessSync(path, constants.R_OK);
  } catch (e) {
    throw new InputError(`${what} ${path} is not readable (${(e as NodeJS.ErrnoException).code ?? 'error'})`, origin, hint);
  }
  if (!st.isFile()) throw new InputError(`${what} ${path} is ${kindOf(st.mode)}, not a file`, origin, hint);
  if (st.size > maxBytes) throw new InputError(`${what} ${path} is ${st.size} bytes: more than the ${maxBytes} read at most`, origin, hint);
}

// POSIX shell quoting: every value that reaches a command line goes through here.
import { randomBytes } from 'node:crypto';

/** Quotes one word for a POSIX shell (single quotes; a ' becomes '\''). */
export function quote(word: string): string {
  if (word !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Quotes an argv into one command line. */
export function quoteArgv(argv: readonly string[]): string {
  return argv.map(quote).join(' ');
}

/** A command wrapped for sudo: the line to run, and what must precede the command's own stdin. */
export interface BecomeCommand {
  line: string;
  stdinPrefix: string;
}

/**
 * With a wrong password sudo reads `passwd_tries` lines (default 3) before it gives up: the filler
 * lines cover up to this many, so even a raised passwd_tries never spends a try on the script.
 */
const SUDO_TRIES = 10;

/**
 * Wraps a command so it runs as root through sudo. Without a password: `sudo -n` (never prompts).
 * With one, the password travels on stdin ahead of the command's own stdin, never on a command
 * line: `sudo -S -p ''` reads it as one line (byte by byte, so the rest of stdin is left for the
 * command). Filler lines and an end line follow it; the root shell reads up to the end line before
 * running the command. So the payload starts at the right byte whether sudo read the password
 * (it asked for one), did not (NOPASSWD, cached credentials: the root shell skips it), or read
 * and rejected it (it then spends its other tries on the filler lines, never on the payload).
 */
export function becomeRoot(command: string, password?: string): BecomeCommand {
  if (password === undefined) return { line: `sudo -n sh -c ${quote(command)}`, stdinPrefix: '' };
  if (/[\r\n]/.test(password)) throw new Error('become_password must be one line');
  const end = `regplay-become-${randomBytes(8).toString('hex')}`;
  const filler = Array.from({ length: SUDO_TRIES - 2 }, () => `${end}-filler`);
  const skip = `while IFS= read -r l; do [ "$l" = ${end} ] && break; done; [ "$l" = ${end} ] || { echo 'regplay: become: sudo consumed the command input' >&2; exit 125; }; unset l`;
  return { line: `sudo -S -p '' sh -c ${quote(`${skip}\n${command}`)}`, stdinPrefix: [password, ...filler, end].join('\n') + '\n' };
}

/** `prefix` ahead of the command's own stdin. */
export function withStdinPrefix(prefix: string, stdin: string | Buffer | undefined): string | Buffer {
  if (!prefix) return stdin ?? '';
  return Buffer.concat([Buffer.from(prefix), Buffer.isBuffer(stdin) ? stdin : Buffer.from(stdin ?? '')]);
}

// POSIX shell quoting: every value that reaches a command line goes through here.

/** Quotes one word for a POSIX shell (single quotes; a ' becomes '\''). */
export function quote(word: string): string {
  if (word !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Quotes an argv into one command line. */
export function quoteArgv(argv: readonly string[]): string {
  return argv.map(quote).join(' ');
}

/** Wraps a command so it runs as root through sudo without a password prompt. */
export function becomeRoot(command: string): string {
  return `sudo -n sh -c ${quote(command)}`;
}

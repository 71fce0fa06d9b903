// Building blocks shared by the read and the apply scripts: the per-exec marker that frames
// records and steps, and payloads as quoted base64 heredocs (never on a command line).
import { randomBytes } from 'node:crypto';
import { quote } from '../../transports/shell.js';

export function newMarker(): string {
  return `@@regplay-${randomBytes(6).toString('hex')}`;
}

/** `<<'DELIM'` + base64 of `data` + DELIM, to be placed after a command that reads stdin. */
export function heredocBase64(data: string | Buffer, marker: string): { redirect: string; body: string } {
  const delim = `REGPLAY_${marker.replace(/[^A-Za-z0-9]/g, '')}_EOF`;
  const b64 = Buffer.from(data).toString('base64');
  const lines = b64.match(/.{1,76}/g) ?? [];
  return { redirect: `<<'${delim}'`, body: `${lines.join('\n')}${lines.length ? '\n' : ''}${delim}` };
}

const SIGNAL_NUMBERS = { HUP: 1, INT: 2, PIPE: 13, TERM: 15 } as const;

/**
 * Traps that run `cleanup` whenever the (sub)shell ends: on exit, and on each of `signals`, which
 * exit with 128+n (and so run the EXIT trap). A subshell starts with no traps (POSIX), so every
 * subshell that makes temp files sets its own. SIGKILL cannot be trapped: see the stale-temp cleanup
 * of atomic writes. A trapped signal that arrives while a command runs takes effect when it ends.
 */
export function cleanupTraps(cleanup: string, signals: Array<keyof typeof SIGNAL_NUMBERS>): string {
  // The first signal ignores the others, so that a second one cannot cut the cleanup short.
  const all = signals.join(' ');
  return [`trap ${quote(cleanup)} EXIT`, ...signals.map((s) => `trap ${quote(`trap '' ${all}; exit ${128 + SIGNAL_NUMBERS[s]}`)} ${s}`)].join('\n');
}

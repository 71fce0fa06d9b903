// Building blocks shared by the read and the apply scripts: the per-exec marker that frames
// records and steps, and payloads as quoted base64 heredocs (never on a command line).
import { randomBytes } from 'node:crypto';

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

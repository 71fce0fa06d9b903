// Path helpers shared by the engine and the transports (importable from any layer).
import { homedir } from 'node:os';

/** `~` and `~/x` → the home directory (HOME of `env`, else the OS's); other paths unchanged. */
export function expandHome(path: string, env: NodeJS.ProcessEnv = process.env): string {
  if (path === '~' || path.startsWith('~/')) return (env.HOME || homedir()) + path.slice(1);
  return path;
}

/** The directory holding `path` ('/' for a top-level entry); trailing slashes ignored. */
export function parentDir(path: string): string {
  const i = path.replace(/\/+$/, '').lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

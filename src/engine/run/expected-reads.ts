// What a host's later roles will read, guessed before they run (see read-ahead.ts).
import { posix } from 'node:path';
import type { Role, RoleContext } from '../../resources/role.js';
import type { Resource } from '../../resources/types.js';
import { pendingDirs } from './pending-handlers.js';
import type { ReadItem } from './read-script.js';
import { readItems } from './read-state.js';

function attempt<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}

/**
 * What a role will read on its host, as far as it can be known now: its plan's reads when it can
 * plan; when it waits for a fact, what it says it will read (Role.expectedReads) or else the files it
 * declares and their two nearest directories. A wrong guess costs one more read, never a wrong plan.
 */
export function expectedReads(role: Role, ctx: RoleContext): ReadItem[] {
  const queries = attempt(() => role.facts?.(ctx)) ?? {};
  const resources = attempt(() => role.plan(ctx)) ?? attempt(() => role.expectedReads?.(ctx)) ?? declaredFiles(role, ctx);
  const handlers = attempt(() => Object.keys(role.handlers?.(ctx) ?? {})) ?? [];
  const { items } = readItems(resources, queries);
  if (items.length && handlers.length) items.push({ kind: 'markers', dirs: pendingDirs(), names: handlers });
  return items;
}

function declaredFiles(role: Role, ctx: RoleContext): Resource[] {
  const files = attempt(() => role.files?.(ctx.vars, ctx.host)) ?? [];
  return files.flatMap((path): Resource[] => {
    const parent = posix.dirname(path);
    return [
      { kind: 'file', path },
      { kind: 'directory', path: parent },
      { kind: 'directory', path: posix.dirname(parent) },
    ];
  });
}

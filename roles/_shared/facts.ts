// Reading facts that an earlier play registered on another host.
import { PendingFactError, StateError } from '../../src/errors.js';
import type { RoleContext } from '../../src/resources/role.js';

/** The first host of `group` (whole inventory), or a StateError saying the group is empty. */
export function firstHostOf(ctx: RoleContext, group: string): string {
  const host = ctx.groups[group]?.[0];
  if (!host) throw new StateError(`group ${group} has no hosts`, `add a host to ${group} in the inventory`);
  return host;
}

/** A fact registered by an earlier play on another host, or a PendingFactError naming who must produce it. */
export function factOf<T>(ctx: RoleContext, host: string, name: string, producer: string): T {
  const value = ctx.hostvars(host)[name];
  if (value === undefined || value === null) {
    throw new PendingFactError(`fact ${name} from ${host} is not available`, `the ${producer} role must run on ${host} earlier in the playbook (it is read even under --limit or --tags)`, host);
  }
  return value as T;
}

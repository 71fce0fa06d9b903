// What a role sees of the run: its host, that host's variables, other hosts' variables and facts.
import type { RoleContext, Vars } from '../../resources/role.js';
import { inventoryVars } from './inventory.js';
import { varsFor, type Prepared, type PreparedPlay, type PreparedRole } from './prepare.js';
import type { TemplateRenderer } from './templates.js';

export interface ContextSource {
  prepared: Prepared;
  groups: Record<string, string[]>;
  template: TemplateRenderer;
  /** The facts a host's roles registered so far in this run. */
  registered(host: string): Vars | undefined;
}

export function roleContext(s: ContextSource, pp: PreparedPlay, host: string, role: PreparedRole): RoleContext {
  const p = s.prepared;
  const def = p.inventory.hosts.get(host)!;
  return {
    host: { name: host, groups: def.groups },
    vars: varsFor(p, host, pp.play, role, s.registered(host)).vars,
    hostvars: (other) => ({ ...inventoryVars(p.inventory, other).vars, ...s.registered(other), ...p.extraVars.vars }),
    groups: s.groups,
    template: s.template,
  };
}

// --list-hosts / --list-tasks: what a run would touch, computed from the loaded input alone
// (no connection). A role's steps are its plan for the play's first host from that host's
// variables; a role whose plan needs a fact another host registers during the run says which.
import { PendingFactError, StateError } from '../errors.js';
import { roleContext } from './load/context.js';
import { groupMembers } from './load/inventory.js';
import type { Prepared } from './load/prepare.js';
import { resourceLabel } from './run/plan.js';
import { templateRenderer } from './load/templates.js';

export interface RoleListing {
  name: string;
  tags: string[];
  /** The host the steps were planned for. */
  host?: string;
  steps: string[];
  /** Why the steps cannot be listed without a run (a fact from another host). */
  unknown?: string;
  /** With `unknown`: the files the role declares it manages (Role.files), known from the variables alone. */
  files?: string[];
  /** The role reads and applies on the controller, not on the host. */
  onController?: boolean;
}

export interface PlayListing {
  index: number;
  name: string;
  pattern: string[];
  tags: string[];
  /** In the play and in --limit. */
  hosts: string[];
  roles: RoleListing[];
}

export function listPlays(p: Prepared): PlayListing[] {
  const source = { prepared: p, groups: groupMembers(p.inventory), template: templateRenderer(), registered: () => undefined };
  return p.plays.map((pp, i) => {
    const host = pp.targets[0] ?? pp.readOnly[0];
    const roles = pp.roles.filter((role) => role.mode === 'run').map((role): RoleListing => {
      const listing: RoleListing = { name: role.entry.name, tags: [...pp.play.tags, ...role.entry.tags], steps: [] };
      if (!host) return listing;
      listing.host = host;
      const ctx = roleContext(source, pp, host, role);
      try {
        if (role.loaded.role.runsOn?.(ctx) === 'controller') listing.onController = true;
        listing.steps = role.loaded.role.plan(ctx).map(resourceLabel);
      } catch (e) {
        if (!(e instanceof PendingFactError || e instanceof StateError)) throw e;
        listing.unknown = e.message;
        listing.files = role.loaded.role.files?.(ctx.vars, ctx.host);
      }
      return listing;
    });
    return { index: i + 1, name: pp.play.name, pattern: [pp.play.hosts].flat(), tags: pp.play.tags, hosts: pp.targets, roles };
  });
}

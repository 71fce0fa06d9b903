// The group names a playbook's plays (and role variables) expect, checked against the inventory's
// groups before any host is touched. A name the inventory lacks is skipped (a cluster without build hosts or
// workers is a real shape), but a near miss between the two sides is bad input: a misspelled
// group would silently skip its hosts.
import { formatOrigin, InputError } from '../../errors.js';
import { groupMembers, type Inventory } from './inventory.js';
import { absentNames, namesIn, userGroups } from './pattern.js';
import type { Play, Playbook } from './playbook.js';
import type { PreparedPlay, PreparedRole } from './prepare.js';
import { isNearMiss, suggestion } from './suggest.js';
import type { VarLayer } from './vars.js';

/**
 * Per play (in order), the names its hosts: pattern mentions that the inventory lacks, to be skipped
 * with a notice. Throws an InputError when an inventory group and a name the playbook expects are
 * spelled almost alike and some host would be left out because of it.
 */
export function checkGroupNames(inv: Inventory, playbook: Playbook): string[][] {
  const expected = expectedGroups(inv, playbook);
  const members = groupMembers(inv);
  for (const [name, plays] of expected) {
    for (const group of userGroups(inv)) {
      if (group === name || !isNearMiss(name, group)) continue;
      // Both spellings exist on both sides: the playbook means two groups.
      if (inv.groups.has(name) && expected.has(group)) continue;
      const covered = new Set(members[name] ?? []);
      const leftOut = (members[group] ?? []).filter((h) => !covered.has(h));
      if (!leftOut.length) continue;
      // The play is the one misspelled when the inventory's spelling is a group the playbook also
      // names, or when a single play names what the inventory lacks (a slip, not the playbook's words).
      const playIsWrong = !inv.groups.has(name) && (expected.has(group) || plays.length === 1);
      throw playIsWrong ? playbookMisspelled(inv, name, group, plays[0]!) : inventoryMisspelled(inv, name, group, plays, leftOut);
    }
  }
  return playbook.plays.map((play) => absentNames(inv, play.hosts));
}

/** Group names in the plays' patterns (not names of inventory hosts) → the plays naming them. */
function expectedGroups(inv: Inventory, playbook: Playbook): Map<string, Play[]> {
  const expected = new Map<string, Play[]>();
  for (const play of playbook.plays) {
    for (const name of namesIn(play.hosts)) {
      if (inv.hosts.has(name)) continue;
      expected.set(name, [...(expected.get(name) ?? []), play]);
    }
  }
  return expected;
}

function playbookMisspelled(inv: Inventory, name: string, group: string, play: Play): InputError {
  const at = formatOrigin(inv.groups.get(group)?.origin);
  return new InputError(
    `play '${play.name}': hosts ${JSON.stringify(play.hosts)}: the inventory has no group '${name}' but has '${group}'${at ? ` (${at})` : ''}: did you mean \`${group}\`?`,
    play.hostsOrigin ?? play.origin,
    `a misspelled group would skip its hosts without a word: fix the play's hosts:, or rename the inventory group if the play is right`,
  );
}

function inventoryMisspelled(inv: Inventory, name: string, group: string, plays: Play[], leftOut: string[]): InputError {
  const uses = plays.map((p) => `'${p.name}'${p.hostsOrigin ? ` (${formatOrigin(p.hostsOrigin)})` : ''}`).join(', ');
  return new InputError(
    `inventory group '${group}' is not a group the playbook uses, but '${name}' is (play ${uses}): did you mean \`${name}\`?`,
    inv.groups.get(group)?.origin ?? { file: inv.file },
    `a misspelled group would skip its hosts (${leftOut.join(', ')}) without a word: rename the group to ${name} in the inventory`,
  );
}

/**
 * Group names held in role variables (`dns_hosts_cluster_groups`, `cri_proxy_containerd_groups`):
 * one the inventory lacks is fine, one that is a near miss of an inventory group would leave that
 * group's hosts out without a word. Throws an InputError at the place the variable was set.
 */
export function checkGroupVariables(inv: Inventory, plays: PreparedPlay[], layerOf: (pp: PreparedPlay, host: string, role: PreparedRole) => VarLayer): void {
  const groups = userGroups(inv);
  for (const pp of plays) {
    for (const role of pp.roles) {
      const named = role.loaded.role.namedGroups;
      if (role.mode === 'skip' || !named) continue;
      for (const host of [...pp.targets, ...pp.readOnly]) {
        const layer = layerOf(pp, host, role);
        for (const [variable, names] of Object.entries(named(layer.vars))) {
          for (const name of names) {
            if (inv.groups.has(name) || inv.hosts.has(name)) continue;
            const meant = suggestion(name, groups);
            if (meant === undefined) continue;
            throw new InputError(
              `play '${pp.play.name}', host ${host}: role ${role.entry.name}: variable ${variable} names group '${name}', which the inventory lacks: did you mean \`${meant}\`?`,
              layer.origins[variable] ?? role.entry.origin,
              `a misspelled group would leave the hosts of ${meant} out without a word: fix ${variable}`,
            );
          }
        }
      }
    }
  }
}

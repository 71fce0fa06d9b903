// No file is managed by two roles on one host (a control plane that is also a build host runs
// containerd-trust and docker-trust): each run one would undo the other. Checked from the roles'
// declared files before any host is touched, and refused naming both roles.
import { posix } from 'node:path';
import { InputError } from '../../errors.js';
import type { Vars } from '../../resources/role.js';
import type { Inventory } from './inventory.js';
import type { PreparedPlay, PreparedRole } from './prepare.js';

interface Owner {
  role: string;
  play: string;
}

export function checkFileOwners(inv: Inventory, plays: PreparedPlay[], varsOf: (pp: PreparedPlay, host: string, role: PreparedRole) => Vars): void {
  const owners = new Map<string, Map<string, Owner>>();
  for (const pp of plays) {
    for (const host of [...pp.targets, ...pp.readOnly]) {
      const hostRef = { name: host, groups: inv.hosts.get(host)?.groups ?? [] };
      const files = owners.get(host) ?? new Map<string, Owner>();
      owners.set(host, files);
      for (const role of pp.roles) {
        const declare = role.loaded.role.files;
        if (role.mode === 'skip' || !declare) continue;
        const name = role.entry.name;
        for (const path of new Set(declare(varsOf(pp, host, role), hostRef).map((p) => posix.normalize(p)))) {
          const prev = files.get(path);
          if (prev && prev.role !== name) {
            throw new InputError(
              `host ${host}: roles ${prev.role} (play '${prev.play}') and ${name} (play '${pp.play.name}') both manage ${path}`,
              role.entry.origin,
              'on every run one would undo the other: give one of them another path (the variable that sets it), or keep the host out of one of the plays',
            );
          }
          files.set(path, { role: name, play: pp.play.name });
        }
      }
    }
  }
}

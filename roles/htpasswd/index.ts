// htpasswd: the registry's users as a bcrypt htpasswd file that only changes when a user is
// added or removed or a password changes.
import type { Resource } from '../../src/resources/types.js';
import { parseVars } from '../_shared/vars.js';
import { startBcrypt } from './bcrypt.js';
import { editHtpasswd } from './htpasswd.js';
import { htpasswdVars, type HtpasswdVars } from './vars.js';
import { defineRole } from '../_shared/role.js';

export function htpasswdPath(vars: Pick<HtpasswdVars, 'registry_auth_dir'>): string {
  return `${vars.registry_auth_dir.replace(/\/+$/, '')}/htpasswd`;
}

export function htpasswdResources(v: HtpasswdVars): Resource[] {
  return [
    { kind: 'directory', name: 'registry auth directory', path: v.registry_auth_dir, mode: '0750' },
    {
      kind: 'file',
      name: 'registry htpasswd',
      path: htpasswdPath(v),
      mode: '0640',
      sensitive: true,
      register: 'registry_htpasswd',
      edit: (current) => editHtpasswd(current, v.registry_users, v.bcrypt_cost),
    },
  ];
}

const htpasswd = defineRole({
  name: 'htpasswd',
  vars: (all) => parseVars('htpasswd', htpasswdVars, all),
  files: (v) => [htpasswdPath(v)],
  plan: htpasswdResources,
  // The worker thread takes ~85 ms of CPU to start: let it start while the control plane connects.
  warmUp: startBcrypt,
});

export default htpasswd;

// Workers mount the registry's NFS export from /etc/fstab (the seeds did this by hand on every
// worker): the mountpoint, one fstab line for it (checked with findmnt before it replaces the old
// file), then `mount` when it is not mounted yet.
import type { Resource } from '../../src/resources/types.js';
import { setFstabEntry } from './fstab.js';
import { readFstabNfsVars } from './vars.js';
import { defineRole } from '../_shared/role.js';

const role = defineRole({
  name: 'fstab-nfs',
  vars: readFstabNfsVars,
  files: (v) => (v ? [v.fstab_nfs_fstab] : []),
  plan(v) {
    if (!v) return [];
    const mountpoint = v.fstab_nfs_mountpoint.replace(/\/+$/, '');
    const entry = {
      spec: `${v.fstab_nfs_server}:${v.fstab_nfs_export}`,
      file: mountpoint,
      vfstype: v.fstab_nfs_fstype,
      mntops: v.fstab_nfs_options,
      freq: 0,
      passno: 0,
    };
    const resources: Resource[] = [
      // No mode: once mounted, the path shows the export's root, whose mode is the server's business.
      { kind: 'directory', path: mountpoint },
      {
        kind: 'file',
        name: `${v.fstab_nfs_fstab} line for ${mountpoint}`,
        path: v.fstab_nfs_fstab,
        edit: (current) => setFstabEntry(current, entry),
        validate: ['findmnt', '--verify', '--tab-file', '%s'],
      },
      { kind: 'command', name: `mount ${mountpoint}`, argv: ['mount', mountpoint], unless: ['mountpoint', '-q', mountpoint] },
    ];
    return resources;
  },
});

export default role;

import { z } from 'zod';
import { flag, parseVars } from '../_shared/vars.js';

// fstab fields are whitespace-separated: no field may contain whitespace.
const field = (what: string) => z.string().min(1, 'must not be empty').regex(/^\S+$/, `must be ${what} without whitespace`);
const path = z.string().regex(/^\/\S*$/, 'must be an absolute path without whitespace');

const schema = z
  .object({
    fstab_nfs_enabled: flag,
    fstab_nfs_server: field('a host name or address').nullish(),
    fstab_nfs_export: path.nullish(),
    fstab_nfs_mountpoint: path.refine((p) => p.replace(/\/+$/, '') !== '', 'must not be /').nullish(),
    fstab_nfs_fstype: field('a file system type'),
    fstab_nfs_options: field('a comma-separated option list'),
    fstab_nfs_fstab: path,
  })
  .superRefine((v, ctx) => {
    if (!v.fstab_nfs_enabled) return;
    for (const key of ['fstab_nfs_server', 'fstab_nfs_export', 'fstab_nfs_mountpoint'] as const) {
      if (v[key] === undefined || v[key] === null) ctx.addIssue({ code: 'custom', path: [key], message: 'is required when fstab_nfs_enabled is true' });
    }
  });

export type FstabNfsVars = Omit<z.infer<typeof schema>, 'fstab_nfs_server' | 'fstab_nfs_export' | 'fstab_nfs_mountpoint'> & {
  fstab_nfs_server: string;
  fstab_nfs_export: string;
  fstab_nfs_mountpoint: string;
};

/** The variables, or null when the role is disabled. */
export function readFstabNfsVars(vars: Record<string, unknown>): FstabNfsVars | null {
  const v = parseVars('fstab-nfs', schema, vars);
  return v.fstab_nfs_enabled ? (v as FstabNfsVars) : null;
}

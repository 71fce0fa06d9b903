// Kubernetes API stand-in: plans the container's view of the filesystem inside a private mount
// namespace. The root is a tmpfs holding recursive binds of the host's top-level entries; a host
// directory that must gain a mount point or an image file is covered by an overlay first, so the
// host filesystem itself is never written. Then every volumeMount is bind-mounted at its mountPath.
import { posix } from 'node:path';
import { quote } from '../../src/transports/shell.js';

export type HostType = 'dir' | 'file' | 'other' | undefined;

export interface TopLevelEntry {
  name: string;
  type: 'dir' | 'symlink' | 'file' | 'other';
  linkTarget?: string;
}

export interface PlannedMount {
  source: string;
  target: string;
  readOnly: boolean;
  /** The source is a file (a subPath to a file): the mount point is a file. */
  isFile: boolean;
}

export interface RootPlanInput {
  /** Directory where the pod's tmpfs is mounted inside the namespace. */
  nsDir: string;
  topLevel: TopLevelEntry[];
  hostType: (path: string) => HostType;
  imageFiles: { path: string; staged: string; mode: number }[];
  imageDirs: string[];
  mounts: PlannedMount[];
}

export type Step =
  | { op: 'tmpfs'; target: string }
  | { op: 'mkdir'; path: string }
  | { op: 'rbind'; source: string; target: string }
  | { op: 'overlay'; lower: string; upper: string; work: string; target: string }
  | { op: 'symlink'; linkTarget: string; path: string }
  | { op: 'copy'; source: string; path: string; mode: number }
  | { op: 'touch'; path: string }
  | { op: 'bind'; source: string; target: string; readOnly: boolean };

export function rootDir(nsDir: string): string {
  return posix.join(nsDir, 'root');
}

function ancestors(p: string): string[] {
  const out: string[] = [];
  let cur = posix.dirname(p);
  for (;;) {
    out.push(cur);
    if (cur === '/') return out;
    cur = posix.dirname(cur);
  }
}

function under(p: string, dir: string): boolean {
  return dir === '/' || p === dir || p.startsWith(`${dir}/`);
}

function escapeDir(p: string): string {
  return p === '/' ? 'root' : p.slice(1).replace(/\//g, '_');
}

export function planRoot(input: RootPlanInput): Step[] {
  const R = rootDir(input.nsDir);
  const inRoot = (p: string) => posix.join(R, p);
  const created = new Set<string>();
  const mountTargets: string[] = [];
  const overlays = new Set<string>();

  const writable = (p: string) => created.has(p) || mountTargets.some((m) => under(p, m)) || [...overlays].some((o) => under(p, o));
  /** Makes sure creating `p` (and its missing parents) writes only to tmpfs, an overlay or a volume. */
  const prepareCreate = (p: string) => {
    const missing = [p];
    for (const a of ancestors(p)) {
      if (a === '/' || writable(a)) break;
      if (input.hostType(a) === 'dir') {
        overlays.add(a);
        break;
      }
      missing.push(a);
    }
    for (const m of missing) created.add(m);
  };

  const imageSteps: Step[] = [];
  for (const d of input.imageDirs) {
    // The image's own directories are ephemeral, as in a container's writable layer.
    if (input.hostType(d) === 'dir') {
      if (!writable(d)) overlays.add(d);
    } else prepareCreate(d);
    imageSteps.push({ op: 'mkdir', path: inRoot(d) });
  }
  for (const f of input.imageFiles) {
    prepareCreate(f.path);
    imageSteps.push({ op: 'mkdir', path: inRoot(posix.dirname(f.path)) }, { op: 'copy', source: f.staged, path: inRoot(f.path), mode: f.mode });
  }

  const mountSteps: Step[] = [];
  const sorted = [...input.mounts].sort((a, b) => a.target.split('/').length - b.target.split('/').length);
  for (const m of sorted) {
    const target = posix.normalize(m.target);
    const exists = created.has(target) || mountTargets.some((t) => t === target) || input.hostType(target) !== undefined;
    if (!exists) prepareCreate(target);
    if (m.isFile) {
      mountSteps.push({ op: 'mkdir', path: inRoot(posix.dirname(target)) }, { op: 'touch', path: inRoot(target) });
    } else mountSteps.push({ op: 'mkdir', path: inRoot(target) });
    mountSteps.push({ op: 'bind', source: m.source, target: inRoot(target), readOnly: m.readOnly });
    mountTargets.push(target);
  }

  // Keep the outermost overlays only: an overlay's lower layer already shows what lies below it.
  const outer = [...overlays].filter((o) => ![...overlays].some((x) => x !== o && under(o, x))).sort();
  const steps: Step[] = [{ op: 'tmpfs', target: input.nsDir }, { op: 'mkdir', path: R }];
  const overlayStep = (dir: string): Step => ({
    op: 'overlay',
    lower: dir,
    upper: posix.join(input.nsDir, 'upper', escapeDir(dir)),
    work: posix.join(input.nsDir, 'work', escapeDir(dir)),
    target: inRoot(dir),
  });
  for (const e of input.topLevel) {
    const p = `/${e.name}`;
    if (e.type === 'symlink') steps.push({ op: 'symlink', linkTarget: e.linkTarget!, path: inRoot(p) });
    else if (e.type === 'dir') {
      steps.push({ op: 'mkdir', path: inRoot(p) });
      steps.push(outer.includes(p) ? overlayStep(p) : { op: 'rbind', source: p, target: inRoot(p) });
    }
  }
  for (const o of outer) if (posix.dirname(o) !== '/') steps.push(overlayStep(o));
  return [...steps, ...imageSteps, ...mountSteps];
}

/**
 * The script run by `unshare -m --propagation private sh -c SCRIPT pod ARGV...`: builds the root and
 * execs the container's argv chrooted. The container's environment arrives in the process
 * environment (never on a command line).
 */
export function renderScript(steps: Step[], nsDir: string, readOnlyRoot?: { writable: string[] }): string {
  const q = quote;
  const lines = ['set -e', 'CPATH="$PATH"', 'PATH=/usr/sbin:/usr/bin:/sbin:/bin', 'CHROOT=$(command -v chroot)'];
  for (const s of steps) {
    switch (s.op) {
      case 'tmpfs':
        lines.push(`mkdir -p ${q(s.target)}`, `mount -t tmpfs -o mode=0755 standin-pod ${q(s.target)}`);
        break;
      case 'mkdir':
        lines.push(`mkdir -p ${q(s.path)}`);
        break;
      case 'rbind':
        lines.push(`mount --rbind ${q(s.source)} ${q(s.target)}`);
        break;
      case 'overlay':
        lines.push(
          `mkdir -p ${q(s.upper)} ${q(s.work)}`,
          `mount -t overlay standin-overlay -o ${q(`lowerdir=${s.lower},upperdir=${s.upper},workdir=${s.work}`)} ${q(s.target)}`,
        );
        break;
      case 'symlink':
        lines.push(`ln -s ${q(s.linkTarget)} ${q(s.path)}`);
        break;
      case 'copy':
        lines.push(`cp ${q(s.source)} ${q(s.path)}`, `chmod ${s.mode.toString(8)} ${q(s.path)}`);
        break;
      case 'touch':
        lines.push(`[ -e ${q(s.path)} ] || : > ${q(s.path)}`);
        break;
      case 'bind':
        lines.push(`mount --bind ${q(s.source)} ${q(s.target)}`);
        if (s.readOnly) lines.push(`mount -o remount,bind,ro ${q(s.target)}`);
        break;
    }
  }
  if (readOnlyRoot) lines.push(...readOnlyLines(rootDir(nsDir), readOnlyRoot.writable));
  lines.push(`cd ${q(rootDir(nsDir))}`, 'unset OLDPWD PWD', 'PATH="$CPATH"', 'exec "$CHROOT" . "$@"');
  return lines.join('\n');
}

/**
 * readOnlyRootFilesystem: every mount of the container's root is made read-only, except the
 * writable volumes and what a runtime mounts itself (/proc, /sys, /dev).
 */
function readOnlyLines(root: string, writable: string[]): string[] {
  const q = quote;
  const keep = ['/proc', '/sys', '/dev', ...writable].flatMap((p) => [q(p), `${q(p)}/*`]).join('|');
  return [
    `ROOT=${q(root)}`,
    `awk -v r="$ROOT" '$5 == r || index($5, r "/") == 1 { print $5 }' /proc/self/mountinfo | while read -r m; do`,
    `  case "\${m#"$ROOT"}" in ${keep}) continue ;; esac`,
    // the root and the host's top-level directories must turn read-only; a deeper host mount may be
    // hidden by an overlay on its parent (the remount then fails with EINVAL): unreachable, skipped
    `  case "\${m#"$ROOT"}" in /*/*) mount -o remount,bind,ro "$m" 2>/dev/null || true ;; *) mount -o remount,bind,ro "$m" ;; esac`,
    'done',
  ];
}

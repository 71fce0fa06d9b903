// Paths that other users can change are never followed as root. The rule, for every write, chmod,
// chown, mkdir and remove the engine does on a host:
//
//   A symbolic link is followed only when it sits in a directory that no one but root (or the
//   connecting user, when not root) can change: owned by root (or that user) and neither group- nor
//   world-writable. Anywhere else — a home directory, a directory owned by a service account, a
//   group-writable one, /tmp — a link in the path (a directory on the way or the file itself) is
//   refused: the step fails naming the path and the link, and nothing is changed.
//
// So /etc/resolv.conf-style links that root made in root's directories keep working, while
// `ln -s /etc ~/.docker` by the owner of ~ can no longer make root chown /etc or write into it.
//
// Checking first and acting later by name would leave a window in which the user swaps a checked
// directory for a link. The walk therefore `cd`s into each directory, one component at a time,
// and verifies with `pwd -P` that it arrived where it meant to; the shell's working directory then
// holds that directory itself (renaming it later does not move the shell), and every later
// operation uses names relative to it. The file's own name in a directory that others can write
// can also be swapped at any moment, so a file is never opened, chmod-ed or chown-ed by that name:
// it is opened once, the opened file is checked against the name (same inode, not a link, no other
// hard link), and changed through /proc/self/fd/N. A new file is a mktemp temp file checked the same
// way, renamed over the name at the end (a rename replaces whatever the name is then, never follows
// it).
import { quote } from '../../transports/shell.js';

/** What both the read (rp_probe) and the changes (the rest) need. */
const COMMON = `rp_uid=
# Can only root (or we) change directory $1?
rp_safe_dir() {
  [ -n "$rp_uid" ] || rp_uid=$(id -u)
  set -- $(stat -c '%u %a' -- "$1") || return 1
  { [ "$1" = 0 ] || [ "$1" = "$rp_uid" ]; } && [ $((0$2 & 022)) -eq 0 ]
}
# The refusal of link $1 (to $rp_t) in directory $2, for rp_path.
rp_unsafe() {
  printf 'refusing %s: %s is a symbolic link (to %s) in %s, a directory that users other than root can change; remove the link or use the real path\\n' "$rp_path" "$1" "$rp_t" "$2"
}`;

/**
 * Read-script function: `rp_probe PATH` sets rp_u to the refusal the changes would meet on the way
 * to PATH (itself included), or to nothing. Only a lookup (no cd, no fork unless there is a link):
 * the plan refuses what apply would, so check mode reports it too.
 */
export const SAFE_PATH_PROBE = `${COMMON}
rp_probe() {
  rp_path=$1 rp_rest=$1 rp_here= rp_hops=0 rp_u=
  while [ -n "$rp_rest" ]; do
    rp_c=\${rp_rest%%/*}
    case $rp_rest in */*) rp_rest=\${rp_rest#*/} ;; *) rp_rest= ;; esac
    case $rp_c in
      '' | .) continue ;;
      ..) rp_here=\${rp_here%/*}; continue ;;
    esac
    if [ -L "$rp_here/$rp_c" ]; then
      rp_t=$(readlink -- "$rp_here/$rp_c") || return 0
      rp_safe_dir "\${rp_here:-/}" || { rp_u=$(rp_unsafe "$rp_here/$rp_c" "\${rp_here:-/}"); return 0; }
      rp_hops=$((rp_hops + 1))
      [ "$rp_hops" -le 40 ] || return 0
      case $rp_t in /*) rp_here= ;; esac
      rp_rest=$rp_t/$rp_rest
      continue
    fi
    rp_here=$rp_here/$rp_c
  done
}`;

/** The shell functions below; a snippet that calls them starts with this. */
export const SAFE_PATH_FUNCTIONS = `unset CDPATH
${COMMON}
rp_refuse() { printf '%s\\n' "$*" >&2; return 1; }
rp_safe_here() { rp_safe_dir .; }
rp_link() {
  rp_t=$(readlink -- "$1") || return 1
  rp_safe_here || { rp_unsafe "$2" "$rp_here" >&2; return 1; }
  rp_hops=$((rp_hops + 1))
  [ "$rp_hops" -le 40 ] || rp_refuse "refusing $rp_path: too many levels of symbolic links" || return 1
}
# rp_walk DIR CREATE MISSING: cd into DIR one component at a time, following links only as the
# rule allows; CREATE=1 makes missing directories (0755), else MISSING is the error.
rp_walk() {
  rp_rest=$1 rp_here=/
  cd / || return 1
  while [ -n "$rp_rest" ]; do
    rp_c=\${rp_rest%%/*}
    case $rp_rest in */*) rp_rest=\${rp_rest#*/} ;; *) rp_rest= ;; esac
    rp_next=\${rp_here%/}/$rp_c
    case $rp_c in
      '' | .) continue ;;
      ..) rp_rest=\${rp_here%/*}/$rp_rest rp_here=/; cd / || return 1; continue ;;
    esac
    if [ -L "./$rp_c" ]; then
      rp_link "./$rp_c" "$rp_next" || return 1
      case $rp_t in /*) rp_here=/; cd / || return 1 ;; esac
      rp_rest=$rp_t/$rp_rest
      continue
    fi
    if [ ! -e "./$rp_c" ]; then
      [ "$2" = 1 ] || rp_refuse "$3" || return 1
      (umask 022 && mkdir -- "./$rp_c") || return 1
    elif [ ! -d "./$rp_c" ]; then
      rp_refuse "refusing $rp_path: $rp_next is not a directory" || return 1
    fi
    cd -P -- "./$rp_c" || return 1
    [ "$(pwd -P)" = "$rp_next" ] || rp_refuse "refusing $rp_path: $rp_next changed while it was checked (a symbolic link put in its place?)" || return 1
    rp_here=$rp_next
  done
}
# rp_at FILE MISSING: cd into FILE's directory; rp_name is its name there (a link as the file
# itself is followed to its target only as the rule allows).
rp_at() {
  rp_f=$1
  while :; do
    rp_walk "\${rp_f%/*}" 0 "$2" || return 1
    rp_name=\${rp_f##*/}
    [ -L "./$rp_name" ] || return 0
    rp_link "./$rp_name" "\${rp_here%/}/$rp_name" || return 1
    case $rp_t in /*) rp_f=$rp_t ;; *) rp_f=$rp_here/$rp_t ;; esac
  done
}
# rp_check FD NAME: the file open on FD is the regular file NAME here, and (in a directory others
# can change) has no other hard link.
rp_check() {
  [ -d /proc/self/fd ] || rp_refuse "refusing $rp_path: /proc is not mounted on this host (files are changed through /proc/self/fd)" || return 1
  [ ! -L "./$2" ] && [ "/proc/self/fd/$1" -ef "./$2" ] && [ -f "/proc/self/fd/$1" ] &&
    { rp_safe_here || [ "$(stat -L -c %h "/proc/self/fd/$1")" = 1 ]; } ||
    rp_refuse "refusing $rp_path: \${rp_here%/}/$2 was replaced, or is a hard link, while it was being changed"
}
# rp_open FD: opens rp_name for reading on FD, checked.
rp_open() {
  [ -f "./$rp_name" ] && [ ! -L "./$rp_name" ] || rp_refuse "refusing $rp_path: \${rp_here%/}/$rp_name is not a regular file" || return 1
  eval "exec $1<\"./\$rp_name\"" || return 1
  rp_check "$1" "$rp_name"
}
# rp_newtemp FD TEMPLATE: a new temp file here (rp_tmp), open read-write on FD, checked empty.
rp_newtemp() {
  rp_tmp=$(mktemp "./$2") || return 1
  rp_tmp=\${rp_tmp##*/}
  eval "exec $1<>\"./\$rp_tmp\"" || return 1
  rp_check "$1" "$rp_tmp" || return 1
  [ ! -s "/proc/self/fd/$1" ] || rp_refuse "refusing $rp_path: temp file \${rp_here%/}/$rp_tmp was replaced" || return 1
}`;

/** Read-script lines: an `unsafe <base64 refusal>` field when rp_probe finds a link the rule refuses. */
export function probeSnippet(path: string): string {
  return `rp_probe ${quote(path)}; [ -z "$rp_u" ] || { printf 'unsafe '; printf '%s' "$rp_u" | base64 | tr -d '\\n'; echo; }`;
}

/** `rp_path=<path>`: the path named in refusals. */
export function safePathFor(path: string): string {
  return `rp_path=${quote(path)} rp_hops=0`;
}

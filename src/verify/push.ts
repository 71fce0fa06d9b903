// The canary's way into the registry and out again: pushed once per run from a build host with
// skopeo (its own trust and login), deleted afterwards unless --keep-canary.
import type { Probe } from '../engine/run/probe.js';
import { quote } from '../transports/shell.js';
import { layoutTar, type Canary } from './canary.js';
import { canaryRef } from './checks.js';
import type { Target } from './targets.js';

export function pushProbe(t: Target, canary: Canary): Probe {
  const ref = canaryRef(t, canary.tag);
  const script = [
    'd=$(mktemp -d /tmp/regplay-canary.XXXXXX) || exit 1',
    'tar -x -C "$d" || { rm -rf "$d"; exit 1; }',
    `skopeo copy --retry-times 0 "oci:$d:${canary.tag}" ${quote(`docker://${ref}`)} >/dev/null`,
    'rc=$?',
    'rm -rf "$d"',
    'exit $rc',
  ].join('\n');
  return {
    id: 'push',
    label: `push canary ${ref}`,
    command: script,
    stdin: layoutTar(canary),
    judge: (r) => {
      if (r.code === 0) return { status: 'ok', message: `from ${t.host} with skopeo`, facts: { ref } };
      const text = `${r.stderr}\n${r.stdout}`;
      const why = /unknown authority|x509/.test(text)
        ? `TLS: certificate signed by unknown authority (${t.caFile}) — run \`${t.fix}\``
        : /unauthorized|401|authentication required/i.test(text)
          ? `auth: the push was refused — ${t.host}'s login (docker config.json) is missing or wrong; run \`${t.fix}\``
          : /no such host|Name or service not known/.test(text)
            ? `DNS: ${t.name} does not resolve on ${t.host} — run \`${t.fix}\``
            : (text.trim().split('\n').filter(Boolean).pop() ?? `skopeo exit ${r.code}`);
      return { status: 'failed', message: `push from ${t.host}: ${why}` };
    },
  };
}

/** Removes the canary from the registry; a registry without deletion keeps it (said, not failed). */
export function deleteProbe(t: Target, ref: string): Probe {
  return {
    id: 'delete',
    label: `delete canary ${ref}`,
    command: `skopeo delete --retry-times 0 ${quote(`docker://${ref}`)}`,
    judge: (r) => {
      if (r.code === 0) return { status: 'ok', message: 'removed from the registry' };
      if (/UNSUPPORTED|405|not supported|method not allowed/i.test(`${r.stderr}${r.stdout}`)) return { status: 'ok', message: 'left in the registry: deletion is not enabled there (storage.delete.enabled)' };
      return { status: 'ok', message: `left in the registry: ${r.stderr.trim().split('\n').pop() ?? `skopeo exit ${r.code}`}` };
    },
  };
}

// The checks of `play verify`, one probe per layer, each a read-only command and a judge that
// names the layer and the fix. Secrets reach the host on stdin only.
import type { Probe, Verdict } from '../engine/run/probe.js';
import { quote } from '../transports/shell.js';
import type { ExecResult } from '../transports/types.js';
import type { ServiceLookup, Target } from './targets.js';

export const LAYERS = ['dns', 'tcp', 'config', 'tls', 'cert', 'auth', 'pull'] as const;
export type Layer = (typeof LAYERS)[number];

const ok = (message?: string): Verdict => ({ status: 'ok', ...(message ? { message } : {}) });
const failed = (message: string): Verdict => ({ status: 'failed', message });
const lines = (r: ExecResult) => `${r.stdout}\n${r.stderr}`;
const firstLine = (s: string) => s.trim().split('\n').find(Boolean) ?? '';

/** curl's config syntax: the credential as a quoted `user` option, read from stdin (`-K -`). */
export function curlUserConfig(user: string, password: string): string {
  const esc = (s: string) => s.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
  return `user = "${esc(`${user}:${password}`)}"\n`;
}

export function address(t: Target): string {
  return `${t.name}:${t.port}`;
}

export function canaryRef(t: Target, tag: string): string {
  return `${address(t)}/regplay-verify/canary:${tag}`;
}

export interface CheckOptions {
  /** The address the name must resolve to on this host (null: unknown, only "resolves" is checked). */
  expectedIp: string | null;
  /** Canary image reference to pull, or why there is none. */
  canary: { ref: string } | { missing: string };
  keepCanary: boolean;
  now: Date;
}

export function hostProbes(t: Target, o: CheckOptions): Probe[] {
  const probes: Probe[] = [dnsProbe(t, o.expectedIp), tcpProbe(t)];
  if (t.runtime === 'containerd') probes.push(configProbe(t));
  else if (t.trustFile) probes.push(trustFileProbe(t, t.trustFile));
  probes.push(tlsProbe(t), certProbe(t, o.now), authProbe(t), pullProbe(t, o));
  return probes;
}

function dnsProbe(t: Target, expected: string | null): Probe {
  return {
    id: 'dns',
    label: `DNS ${t.name}`,
    command: `getent hosts ${quote(t.name)}`,
    judge: (r) => {
      const ip = r.stdout.trim().split(/\s+/)[0] ?? '';
      if (r.code !== 0 || !ip) return failed(`DNS: ${t.name} does not resolve on ${t.host} — run \`${t.fix}\``);
      if (expected && ip !== expected) return failed(`DNS: ${t.name} resolves to ${ip} on ${t.host}, expected ${expected} — run \`${t.fix}\``);
      return ok(expected ? `${ip}` : `${ip} (expected address unknown: the registry Service was not read)`);
    },
  };
}

function tcpProbe(t: Target): Probe {
  return {
    id: 'tcp',
    label: `TCP ${address(t)}`,
    requires: ['dns'],
    command: `timeout 10 bash -c ${quote(`exec 3<>/dev/tcp/${t.name}/${t.port}`)}`,
    judge: (r) => (r.code === 0 ? ok() : failed(`TCP: ${address(t)} is not reachable from ${t.host}${r.code === 124 ? ' (timed out)' : `: ${firstLine(r.stderr)}`} — is the registry Service up and routed to this host?`)),
  };
}

/** containerd reads certs.d only when config_path names it (the CRI plugin's registry section). */
function configProbe(t: Target): Probe {
  const file = t.configFile!;
  return {
    id: 'config',
    label: `containerd config_path`,
    command: `cat ${quote(file)}`,
    judge: (r) => {
      if (r.code !== 0) return failed(`containerd: cannot read ${file} on ${t.host}: ${firstLine(r.stderr)} — run \`${t.fix}\``);
      const paths = r.stdout
        .split('\n')
        .map((l) => /^\s*config_path\s*=\s*["']([^"']*)["']/.exec(l)?.[1])
        .filter((x): x is string => x !== undefined);
      if (!paths.length) return failed(`containerd: config_path not set in ${file} on ${t.host} — run \`${t.fix}\``);
      if (!paths.includes(t.certsDir!)) return failed(`containerd: config_path in ${file} is ${paths.join(', ')}, not ${t.certsDir} — run \`${t.fix}\``);
      return ok(t.certsDir);
    },
  };
}

/** A file the runtime reads names the registry or its CA (grep -F: only the exit code comes back, never the file, which may hold a password). */
function trustFileProbe(t: Target, f: { path: string; names: string }): Probe {
  return {
    id: 'config',
    label: `trust file ${f.path}`,
    command: `if ! test -r ${quote(f.path)}; then echo NO-FILE; exit 10; fi; grep -F -q -- ${quote(f.names)} ${quote(f.path)}`,
    judge: (r) => {
      if (r.code === 10) return failed(`${t.runtime}: ${f.path} is missing on ${t.host} — run \`${t.fix}\``);
      if (r.code !== 0) return failed(`${t.runtime}: ${f.path} on ${t.host} does not name ${f.names} — run \`${t.fix}\``);
      return ok(`${f.path} names ${f.names}`);
    },
  };
}

/** Whose trust location a CA file is, for messages. */
const TRUST_OF: Record<Target['runtime'], string> = {
  containerd: "containerd's",
  build: "Docker's",
  docker: "Docker's",
  crio: "containers/image's (CRI-O, Podman)",
  k3s: "k3s's",
  rke2: "RKE2's",
  microk8s: "MicroK8s's",
};

/** TLS with only this runtime's CA (no system store) and the registry name checked against the SAN. */
function tlsProbe(t: Target): Probe {
  const ca = quote(t.caFile);
  const cmd = [
    `if ! test -r ${ca}; then echo "NO-CA"; exit 10; fi`,
    `out=$(openssl s_client -connect ${quote(address(t))} -servername ${quote(t.name)} -verify_hostname ${quote(t.name)} -verify_return_error -CAfile ${ca} -no-CApath -no-CAstore </dev/null 2>&1)`,
    'rc=$?',
    `printf '%s\\n' "$out" | grep -E -m3 'verify error|Verify return code|errno|Connection refused'`,
    'exit $rc',
  ].join('\n');
  return {
    id: 'tls',
    label: `TLS ${t.caFile}`,
    requires: ['tcp'],
    command: cmd,
    judge: (r) => {
      const text = lines(r);
      if (r.code === 10 && /NO-CA/.test(text)) return failed(`TLS: no CA at ${t.caFile} (${TRUST_OF[t.runtime]} trust location) — run \`${t.fix}\``);
      if (r.code === 0 && /Verify return code: 0 \(ok\)/.test(text)) return ok();
      const num = /verify error:num=(\d+)/.exec(text)?.[1];
      if (num === '62') return failed(`TLS: the certificate does not name ${t.name} (subjectAltName) — run \`play site.yaml\` to reissue it (certs)`);
      if (num === '10') return failed(`TLS: the registry certificate has expired — run \`play site.yaml\` (certs renews it)`);
      if (num === '9') return failed(`TLS: the registry certificate is not yet valid (clock skew on ${t.host}?)`);
      if (num && ['2', '18', '19', '20', '21'].includes(num)) return failed(`TLS: certificate signed by unknown authority (not by the CA at ${t.caFile}) — run \`${t.fix}\``);
      return failed(`TLS: handshake with ${address(t)} failed: ${firstLine(text) || `openssl exit ${r.code}`}`);
    },
  };
}

/** Days until the server certificate expires; a warning (not a failure) under cert_renew_days. */
function certProbe(t: Target, now: Date): Probe {
  return {
    id: 'cert',
    label: 'certificate days left',
    requires: ['tcp'],
    command: `openssl s_client -connect ${quote(address(t))} -servername ${quote(t.name)} </dev/null 2>/dev/null | openssl x509 -noout -enddate`,
    judge: (r) => {
      const end = /notAfter=(.+)/.exec(r.stdout)?.[1];
      const when = end ? new Date(end) : undefined;
      if (!when || Number.isNaN(when.getTime())) return failed(`cert: could not read the server certificate from ${address(t)}: ${firstLine(r.stderr) || 'no certificate'}`);
      const days = Math.floor((when.getTime() - now.getTime()) / 86_400_000);
      if (days < 0) return failed(`cert: the registry certificate expired ${-days} days ago — run \`play site.yaml\` (certs renews it)`);
      if (days < t.renewDays) return { status: 'ok', message: `WARNING: ${days} days left, under cert_renew_days ${t.renewDays} — run \`play site.yaml\` to renew`, facts: { days: String(days), warning: 'yes' } };
      return { status: 'ok', message: `${days} days left`, facts: { days: String(days) } };
    },
  };
}

function authProbe(t: Target): Probe {
  const url = quote(`https://${address(t)}/v2/`);
  const curl = `curl -sS -o /dev/null -w '%{http_code}' --max-time 15 --cacert ${quote(t.caFile)}`;
  return {
    id: 'auth',
    label: `/v2/ as ${t.user}`,
    requires: ['tls'],
    // The first curl must not read stdin: the credential is for the second one (-K -).
    command: `printf 'anonymous %s\\n' "$(${curl} ${url} </dev/null)"; printf 'user %s\\n' "$(${curl} -K - ${url})"`,
    stdin: curlUserConfig(t.user, t.password.reveal()),
    judge: (r) => {
      const anon = /anonymous (\d+)/.exec(r.stdout)?.[1];
      const user = /user (\d+)/.exec(r.stdout)?.[1];
      if (user !== '200') {
        if (user === '401') return failed(`auth: /v2/ refuses ${t.user} (401) — the registry's htpasswd and the inventory disagree; run \`play site.yaml --limit control_plane\``);
        return failed(`auth: /v2/ answers ${user ?? 'nothing'} for ${t.user}: ${firstLine(r.stderr)}`);
      }
      if (anon !== '401') return failed(`auth: /v2/ answers ${anon ?? 'nothing'} without credentials (expected 401: the registry must require a login)`);
      return ok('200 with the credential, 401 without');
    },
  };
}

/** The failure of a pull, by layer, from the runtime's own words. */
function pullFailure(t: Target, via: string, text: string): string {
  const fix = `run \`${t.fix}\``;
  if (/unknown authority|certificate verify failed|x509/i.test(text)) return `pull (${via}): TLS: ${/unknown authority/.test(text) ? 'certificate signed by unknown authority' : firstLine(text)} — ${fix}`;
  if (/no such host|server misbehaving|Name or service not known/i.test(text)) return `pull (${via}): DNS: ${t.name} does not resolve — ${fix}`;
  if (/401|unauthorized/i.test(text)) return `pull (${via}): auth: the registry refused ${t.user} — check the credential (registry_users)`;
  if (/not found/i.test(text)) return `pull (${via}): the canary image is not in the registry (was the push refused?)`;
  return `pull (${via}): ${firstLine(text)}`;
}

const PULL_LABEL: Record<Target['runtime'], string> = {
  containerd: 'pull canary (containerd)',
  build: 'pull canary (skopeo)',
  crio: 'pull canary (podman)',
  docker: 'pull canary (skopeo, Docker trust)',
  k3s: 'pull canary (k3s)',
  rke2: 'pull canary (rke2)',
  microk8s: 'pull canary (microk8s)',
};

/** A docker config.json holding only the pull credential, for the host on stdin. */
function authFile(t: Target): string {
  return JSON.stringify({ auths: { [address(t)]: { auth: Buffer.from(`${t.user}:${t.password.reveal()}`).toString('base64') } } });
}

function pullProbe(t: Target, o: CheckOptions): Probe {
  const label = PULL_LABEL[t.runtime];
  if ('missing' in o.canary) {
    const why = o.canary.missing;
    return { id: 'pull', label, command: 'true', judge: () => ({ status: 'skipped', message: `not checked: ${why}` }) };
  }
  if (t.runtime === 'k3s' || t.runtime === 'rke2' || t.runtime === 'microk8s') {
    const why = `regplay has no ${t.runtime} pull path yet (it would go through ${t.runtime}'s own bundled binaries); its trust file and TLS with its CA were checked`;
    return { id: 'pull', label, command: 'true', judge: () => ({ status: 'skipped', message: `not checked: ${why}` }) };
  }
  if (t.runtime === 'crio' || t.runtime === 'docker') return containersPullProbe(t, o.canary.ref, label);
  const ref = quote(o.canary.ref);
  if (t.runtime === 'build') {
    // skopeo with the build host's own trust (/etc/docker/certs.d) and login (~/.docker/config.json).
    return {
      id: 'pull',
      label,
      requires: ['tls'],
      command: `skopeo inspect --retry-times 0 --raw docker://${ref} >/dev/null && echo 'via skopeo'`,
      judge: (r) => (r.code === 0 ? ok('via skopeo (its own trust and login)') : failed(pullFailure(t, 'skopeo', lines(r)))),
    };
  }
  // The CRI (crictl) when installed: the runtime's own path, config_path included. Otherwise ctr,
  // pointed at the same certs.d (ctr itself ignores config_path: the config check covers it).
  // crictl and ctr take the credential only as an argument: it comes from stdin into a shell
  // variable and is never on the command line sent to the host.
  const ns = 'regplay-verify';
  const rm = o.keepCanary ? '' : 'rm';
  const script = [
    'IFS= read -r cred',
    'if command -v crictl >/dev/null 2>&1; then',
    `  echo 'via crictl'; crictl pull --creds "$cred" ${ref} || exit $?`,
    rm ? `  crictl rmi ${ref} >/dev/null 2>&1 || true` : '',
    'else',
    `  echo 'via ctr --hosts-dir'; ctr -n ${ns} image pull --hosts-dir ${quote(t.certsDir!)} --user "$cred" ${ref} >/dev/null || exit $?`,
    rm ? `  ctr -n ${ns} image rm --sync ${ref} >/dev/null 2>&1 || true` : '',
    'fi',
  ].filter(Boolean).join('\n');
  return {
    id: 'pull',
    label,
    requires: ['auth'],
    command: script,
    stdin: `${t.user}:${t.password.reveal()}\n`,
    judge: (r) => {
      const via = /via (crictl|ctr --hosts-dir)/.exec(r.stdout)?.[1] ?? 'containerd';
      return r.code === 0 ? ok(`via ${via}`) : failed(pullFailure(t, via, lines(r)));
    },
  };
}

/**
 * containers/image's own path: `podman pull` when Podman is installed (CRI-O's library, its
 * certs.d and registries.conf.d), else `skopeo inspect`. Docker nodes: skopeo with only Docker's
 * certs.d/<address> (--cert-dir). The credential arrives on stdin into a 0600 auth file in a
 * temporary directory, which also holds Podman's throwaway image store (vfs): the node's own
 * images and storage are never touched, and everything is removed at the end.
 */
function containersPullProbe(t: Target, ref: string, label: string): Probe {
  const r = quote(ref);
  const script = ['d=$(mktemp -d /tmp/regplay-verify.XXXXXX) || exit 1', 'trap \'rm -rf "$d"\' EXIT', '(umask 077; cat > "$d/auth.json")'];
  if (t.runtime === 'crio') {
    script.push(
      'if command -v podman >/dev/null 2>&1; then',
      `  echo 'via podman pull'; podman --root "$d/root" --runroot "$d/run" --tmpdir "$d/tmp" --storage-driver vfs --events-backend none pull --quiet --authfile "$d/auth.json" ${r} >/dev/null`,
      'elif command -v skopeo >/dev/null 2>&1; then',
      `  echo 'via skopeo'; skopeo inspect --retry-times 0 --raw --authfile "$d/auth.json" ${quote(`docker://${ref}`)} >/dev/null`,
      "else echo 'neither podman nor skopeo is installed' >&2; exit 127; fi",
    );
  } else {
    const certDir = t.caFile.replace(/\/ca\.crt$/, '');
    script.push(
      'if ! command -v skopeo >/dev/null 2>&1; then echo \'skopeo is not installed\' >&2; exit 127; fi',
      `echo ${quote(`via skopeo --cert-dir ${certDir}`)}; skopeo inspect --retry-times 0 --raw --cert-dir ${quote(certDir)} --authfile "$d/auth.json" ${quote(`docker://${ref}`)} >/dev/null`,
    );
  }
  return {
    id: 'pull',
    label,
    requires: ['auth'],
    command: script.join('\n'),
    stdin: authFile(t),
    judge: (res) => {
      const via = /via (podman pull|skopeo[^\n]*)/.exec(res.stdout)?.[1] ?? t.runtime;
      if (res.code === 0) return ok(`via ${via}`);
      if (res.code === 127) return failed(`pull (${t.runtime}): ${firstLine(res.stderr)} on ${t.host} — install one, or set container_runtime for this host`);
      return failed(pullFailure(t, via, lines(res)));
    },
  };
}

/** The registry Service's addresses, read with kubectl on the control plane (read-only). */
export function serviceProbe(s: ServiceLookup): Probe {
  const argv = [s.kubectl, ...(s.kubeconfig ? ['--kubeconfig', s.kubeconfig] : []), 'get', 'service', s.service, '-n', s.namespace, '-o', 'jsonpath={.spec.clusterIP} {.spec.externalIPs[0]}'];
  return {
    id: 'service',
    label: `registry Service ${s.namespace}/${s.service}`,
    command: argv.map(quote).join(' '),
    judge: (r) => {
      const [clusterIp, externalIp] = r.stdout.trim().split(/\s+/);
      if (r.code !== 0 || !clusterIp) return failed(`the registry Service ${s.namespace}/${s.service} could not be read: ${firstLine(r.stderr)} — run \`play site.yaml\``);
      return { status: 'ok', message: `${clusterIp}${externalIp ? `, external ${externalIp}` : ''}`, facts: { cluster_ip: clusterIp, ...(externalIp ? { external_ip: externalIp } : {}) } };
    },
  };
}

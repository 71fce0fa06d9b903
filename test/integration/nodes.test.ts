// The node roles through `play site.yaml` on the lab (cp1 control plane, w1/w2 workers, b1 build
// host, the Kubernetes API stand-in running the registry on cp1): real clients prove the trust.
// - b1 pushes an OCI image (built here: one tar layer, no network) with skopeo, trusting only
//   /etc/docker/certs.d and logged in only through ~/.docker/config.json;
// - every worker pulls and unpacks it with real containerd (`ctr image pull --hosts-dir`), TLS
//   verified: no --skip-verify, no --plain-http;
// - w1's own containerd config (comments, settings) survives except for the one added key;
// - a re-run changes nothing and restarts nothing; `--limit workers` repairs one worker only.
// The lab kernel has no NFS: fstab-nfs runs with fstab_nfs_fstype: tmpfs (the same role, a type
// that mounts here); the NFS-shaped `server:export` line itself is what is checked.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inCidr, parseCidr } from '../standin/cidr.js';
import { labSupport, type Lab } from '../lab/index.js';
import { missing, serialUnless } from '../helpers/lab-test.js';
import { labProject, playProject, removeLabProject, type LabEvent, type LabRun } from '../helpers/lab-project.js';
import { ALICE_VARS, CLUSTER_IP_DNS_VARS, NFS_MOUNTPOINT as MOUNTPOINT, TMPFS_NFS_VARS } from '../helpers/lab-vars.js';
import { SITE } from '../helpers/site-project.js';
import { fingerprint as hostFingerprint } from '../helpers/host-state.js';
import { buildImage } from '../helpers/oci-image.js';

// root, namespaces, the stand-in, kubectl and docker-registry; otherwise every test is skipped with the reason
const support = labSupport({ standin: true });
const serial = serialUnless(missing(support));

const NAME = 'registry.lab';
const PORT = 5000;
const ADDRESS = `${NAME}:${PORT}`;
const IMAGE = `${ADDRESS}/test:1`;
const PASSWORD = 'alice-Nodes-pw-93b1d7';
const env = { REG_ALICE_PW: PASSWORD };
const SECRETS = [PASSWORD, Buffer.from(`alice:${PASSWORD}`).toString('base64')];
const WORKERS = ['w1', 'w2'];
const CONTAINERD_HOSTS = ['cp1', ...WORKERS];

// w1 starts with its own config: comments and settings that must survive byte for byte.
const W1_CONFIG = `# Ops team notes for w1: do not lose these.
version = 2
root = "/var/lib/containerd"

[plugins]
  [plugins."io.containerd.grpc.v1.cri"]
    # pinned pause image
    sandbox_image = "registry.k8s.io/pause:3.9"
    [plugins."io.containerd.grpc.v1.cri".cni]
      bin_dir = "/usr/lib/cni"
      conf_dir = "/etc/cni/net.d"
  [plugins."io.containerd.internal.v1.opt"]
    path = "/var/lib/containerd/opt"
`;

let lab: Lab;
let work: string;

type Run = LabRun;
const play = (args: string[] = []): Promise<Run> => playProject(work, [SITE, ...args], { env, secrets: SECRETS });

const output = (r: Run) => `${r.stdout}\n${r.stderr}`;
const failures = (r: Run) => r.report.events.filter((e) => e.status === 'failed' || e.type === 'host-failed').map((e) => `${e.host} ${e.role ?? ''} ${e.step ?? ''}: ${e.error}`);
const restarts = async (host: string) => (await lab.serviceLog(host)).filter((l) => / containerd (restart|start)$/.test(l)).length;

/** Pulls with real containerd and the certs.d trust; the credential comes from a 0600 file. */
async function pull(host: string) {
  await lab.writeFile(host, '/root/.registry-credential', `alice:${PASSWORD}`, 0o600);
  await lab.exec(host, `ctr image rm ${IMAGE} >/dev/null 2>&1; true`);
  return lab.exec(host, `ctr image pull --hosts-dir /etc/containerd/certs.d --user "$(cat /root/.registry-credential)" ${IMAGE}`);
}

/** mtime, inode and content of each file (absent files included): proof that nothing was written. */
const fingerprint = (host: string, paths: string[]) => hostFingerprint(lab, host, paths);

const containerdFiles = ['/etc/containerd/config.toml', `/etc/containerd/certs.d/${ADDRESS}/ca.crt`, `/etc/containerd/certs.d/${ADDRESS}/hosts.toml`, '/etc/hosts'];
const buildFiles = [`/etc/docker/certs.d/${ADDRESS}/ca.crt`, '/root/.docker/config.json', '/etc/hosts'];

test.before(async () => {
  if (!support.ok) return;
  // Per process (`nodes-<pid>`): other runs of this file at the same time must not tear down this lab.
  const groupVars = { all: ALICE_VARS, workers: TMPFS_NFS_VARS, build: CLUSTER_IP_DNS_VARS };
  ({ lab, work } = await labProject('nodes', { cp1: ['control_plane'], w1: ['workers'], w2: ['workers'], b1: ['build'] }, { groupVars }));
  await lab.writeFile('w1', '/etc/containerd/config.toml', W1_CONFIG);
  await lab.sh('w1', 'service containerd restart >/dev/null');
});

test.after.always(() => removeLabProject(lab, work));

serial('--check on a fresh cluster plans every host (facts as they would be), writes nothing, exits 8 with --detailed-exitcode', async (t) => {
  const before = Object.fromEntries(await Promise.all(['cp1', 'w1', 'w2', 'b1'].map(async (h) => [h, await fingerprint(h, [...containerdFiles, ...buildFiles, '/registry/certs/ca.crt'])] as const)));
  const r = await play(['--check', '--detailed-exitcode']);
  t.is(r.code, 8, `${output(r)}\n${failures(r).join('\n')}`);
  for (const host of ['cp1', 'w1', 'w2', 'b1']) t.is(r.report.recap[host]?.failed, 0, host);
  // Workers plan against the CA the certs role would issue: the trust files are in the plan.
  const planned = (host: string) => r.report.events.filter((e) => e.type === 'step' && e.host === host && e.status === 'changed').map((e) => e.step ?? '');
  t.true(planned('w1').some((s) => /CA for/.test(s)), planned('w1').join(', '));
  t.true(planned('b1').some((s) => /docker CA for/.test(s)), planned('b1').join(', '));
  // The Service IP only exists once the Service does: dns-hosts waits, reported skipped with the reason.
  const waits = r.report.events.filter((e) => e.type === 'step' && e.role === 'dns-hosts' && e.status === 'skipped');
  t.is(waits.length, 4);
  for (const host of ['cp1', 'w1', 'w2', 'b1']) t.is(await fingerprint(host, [...containerdFiles, ...buildFiles, '/registry/certs/ca.crt']), before[host], `${host} untouched`);
});

serial('play site.yaml: every host succeeds; containerd hosts get config_path, certs.d and a restart; w1 keeps its own config', async (t) => {
  const before = Object.fromEntries(await Promise.all(CONTAINERD_HOSTS.map(async (h) => [h, await restarts(h)] as const)));
  const r = await play();
  t.is(r.code, 0, `${output(r)}\n${failures(r).join('\n')}`);
  for (const host of ['cp1', 'w1', 'w2', 'b1']) t.is(r.report.recap[host]?.failed, 0, host);

  const w1 = (await lab.readFile('w1', '/etc/containerd/config.toml'))!;
  t.true(w1.startsWith(W1_CONFIG), 'every byte of the original w1 config is still there');
  t.is(w1.slice(W1_CONFIG.length), '\n[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "/etc/containerd/certs.d"\n');
  for (const host of CONTAINERD_HOSTS) {
    t.regex((await lab.readFile(host, '/etc/containerd/config.toml'))!, /config_path = "\/etc\/containerd\/certs\.d"/, host);
    t.regex((await lab.readFile(host, `/etc/containerd/certs.d/${ADDRESS}/hosts.toml`))!, new RegExp(`^server = "https://${ADDRESS}"$`, 'm'), host);
    t.regex((await lab.readFile(host, `/etc/containerd/certs.d/${ADDRESS}/ca.crt`))!, /BEGIN CERTIFICATE/, host);
    t.is(await restarts(host), before[host]! + 1, `${host}: containerd restarted once, for config.toml`);
    // node-trust: the lab hosts have skopeo and /etc/containers, detected as containers/image (auto)
    t.is(await lab.readFile(host, `/etc/containers/certs.d/${ADDRESS}/ca.crt`), await lab.readFile(host, `/etc/containerd/certs.d/${ADDRESS}/ca.crt`), `${host}: containers/image trust`);
  }
});

serial('every host maps the registry name to the Service address in /etc/hosts, other lines kept', async (t) => {
  const ip = (await lab.sh('cp1', 'kubectl --kubeconfig /root/.kube/config get service registry -n registry -o jsonpath={.spec.clusterIP}')).trim();
  t.true(inCidr(parseCidr(lab.serviceCidr), ip), `cluster IP ${ip} in ${lab.serviceCidr}`);
  for (const host of ['cp1', 'w1', 'w2', 'b1']) {
    const hosts = (await lab.readFile(host, '/etc/hosts'))!;
    t.regex(hosts, new RegExp(`^${ip.replaceAll('.', '\\.')} ${NAME.replace('.', '\\.')}$`, 'm'), host);
    t.regex(hosts, /localhost/, host);
    t.is((await lab.exec(host, `getent hosts ${NAME}`)).stdout.split(/\s+/)[0], ip, host);
  }
});

serial('workers: the fstab line has the NFS shape (server:export) and the mountpoint is mounted (tmpfs in the lab); cp1 and b1 have neither', async (t) => {
  for (const host of WORKERS) {
    const fstab = (await lab.readFile(host, '/etc/fstab'))!;
    t.regex(fstab, new RegExp(`^nfs1\\.lab:/export/registry ${MOUNTPOINT} tmpfs size=16m 0 0$`, 'm'), host);
    t.is((await lab.exec(host, `mountpoint -q ${MOUNTPOINT}`)).code, 0, `${host}: mounted`);
  }
  // fstab-nfs runs on workers only: no NFS line (nor mount) on the control plane or the build host
  for (const host of ['cp1', 'b1']) {
    t.notRegex((await lab.readFile(host, '/etc/fstab')) ?? '', /nfs1\.lab:|registry-nfs/, host);
    t.not((await lab.exec(host, `mountpoint -q ${MOUNTPOINT}`)).code, 0, `${host}: not mounted`);
  }
});

serial('b1 pushes an image with skopeo, trusting only /etc/docker/certs.d and logged in through ~/.docker/config.json', async (t) => {
  t.is((await lab.exec('b1', 'stat -c %a /root/.docker/config.json')).stdout.trim(), '600');
  await buildImage(lab, 'b1', '/root/oci-test');
  // No --dest-creds, --dest-cert-dir or --dest-tls-verify=false: the roles' files are all it has.
  const push = await lab.exec('b1', `skopeo copy --retry-times 0 oci:/root/oci-test:1 docker://${IMAGE}`);
  t.is(push.code, 0, push.stderr);
  const noTrust = await lab.exec('b1', `skopeo inspect --cert-dir /nonexistent --raw docker://${IMAGE}`);
  t.not(noTrust.code, 0, 'without the CA the registry is not trusted (the trust comes from the role)');
});

serial('every worker pulls and unpacks the image with containerd, TLS verified through certs.d', async (t) => {
  for (const host of WORKERS) {
    const r = await pull(host);
    t.is(r.code, 0, `${host}: ${r.stderr}`);
    t.regex((await lab.exec(host, 'ctr image check')).stdout, new RegExp(`${IMAGE.replaceAll('.', '\\.')}\\s.*complete`), host);
  }
});

serial('re-run of the whole site: changed=0 on every host, containerd not restarted', async (t) => {
  const before = Object.fromEntries(await Promise.all(CONTAINERD_HOSTS.map(async (h) => [h, await restarts(h)] as const)));
  const r = await play();
  t.is(r.code, 0, output(r));
  for (const host of ['cp1', 'w1', 'w2', 'b1']) t.is(r.report.recap[host]?.changed, 0, `${host}: ${r.report.events.filter((e) => e.host === host && e.status === 'changed').map((e) => e.step).join(', ')}`);
  for (const host of CONTAINERD_HOSTS) t.is(await restarts(host), before[host]!, `${host}: no restart`);
});

serial('--limit workers after deleting w2 certs.d: only w2 changes, cp1/b1/w1 untouched, no restart, w2 pulls again', async (t) => {
  await lab.sh('w2', 'rm -rf /etc/containerd/certs.d');
  t.not((await pull('w2')).code, 0, 'without certs.d the pull fails (unknown authority)');
  const untouched = {
    cp1: await fingerprint('cp1', containerdFiles),
    w1: await fingerprint('w1', containerdFiles),
    b1: await fingerprint('b1', buildFiles),
  };
  const w2Restarts = await restarts('w2');

  const r = await play(['--limit', 'workers']);
  t.is(r.code, 0, output(r));
  t.true(r.report.recap.w2!.changed > 0);
  t.is(r.report.recap.w1?.changed, 0);
  for (const host of ['cp1', 'b1']) t.is(r.report.recap[host]?.changed ?? 0, 0, `${host} reports nothing changed`);
  const w2Changed = r.report.events.filter((e) => e.host === 'w2' && e.status === 'changed').map((e) => e.step ?? '');
  t.true(w2Changed.every((s) => /certs\.d|CA for|hosts\.toml/.test(s)), w2Changed.join(', '));
  t.is(await fingerprint('cp1', containerdFiles), untouched.cp1);
  t.is(await fingerprint('w1', containerdFiles), untouched.w1);
  t.is(await fingerprint('b1', buildFiles), untouched.b1);
  t.is(await restarts('w2'), w2Restarts, 'certs.d changes need no containerd restart');

  const again = await pull('w2');
  t.is(again.code, 0, again.stderr);
});

serial('--tags: each tag of site.yaml runs on the converged lab (filtered-out producers read, never changed); a misspelled tag is exit 3', async (t) => {
  const all = ['cp1', 'w1', 'w2', 'b1'];
  const files = [...containerdFiles, ...buildFiles, '/registry/certs/ca.crt', '/registry/auth/htpasswd'];
  const before = Object.fromEntries(await Promise.all(all.map(async (h) => [h, await fingerprint(h, files)] as const)));
  for (const tag of ['containerd', 'node-trust', 'dns', 'docker', 'trust', 'k8s', 'pki', 'users', 'nfs', 'proxy']) {
    const r = await play(['--tags', tag, '--check', '--detailed-exitcode']);
    t.is(r.code, 0, `--tags ${tag}: ${output(r)}\n${failures(r).join('\n')}`);
    t.deepEqual(failures(r), [], tag);
  }
  const typo = await play(['--tags', 'contianerd']);
  t.is(typo.code, 3);
  t.regex(typo.stderr, /--tags contianerd: no play or role in the playbook has this tag/);
  t.regex(typo.stderr, /known tags: certs, containerd, dns, docker, htpasswd, k8s, nfs, node-trust, pki, proxy, registry, storage, trust, users/);
  for (const host of all) t.is(await fingerprint(host, files), before[host], `${host} untouched`);
});

serial('--tags containerd as a CI drift gate: drift on w1 exits 8 (nothing written), the tagged apply heals only w1, roles outside the tag change nothing', async (t) => {
  const hostsToml = `/etc/containerd/certs.d/${ADDRESS}/hosts.toml`;
  const good = (await lab.readFile('w1', hostsToml))!;
  await lab.sh('w1', `rm -f ${hostsToml}`);
  const cp1Files = [...containerdFiles, '/registry/certs/ca.crt', '/registry/certs/registry.crt', '/registry/auth/htpasswd'];
  const w1Others = ['/etc/containerd/config.toml', `/etc/containerd/certs.d/${ADDRESS}/ca.crt`, '/etc/hosts', '/etc/fstab'];
  const untouched = {
    cp1: await fingerprint('cp1', cp1Files),
    w1: await fingerprint('w1', w1Others),
    w2: await fingerprint('w2', [...containerdFiles, '/etc/fstab']),
    b1: await fingerprint('b1', buildFiles),
  };
  const restartsBefore = Object.fromEntries(await Promise.all(CONTAINERD_HOSTS.map(async (h) => [h, await restarts(h)] as const)));
  const isReadOnly = (e: LabEvent) => e.readOnly === true;

  const gate = await play(['--tags', 'containerd', '--check', '--detailed-exitcode']);
  t.is(gate.code, 8, `${output(gate)}\n${failures(gate).join('\n')}`);
  t.true(gate.report.recap.w1!.changed > 0);
  for (const host of ['cp1', 'w2']) t.is(gate.report.recap[host]?.changed, 0, host);
  t.is(await lab.readFile('w1', hostsToml), null, 'check wrote nothing');
  // The producers outside the tag (certs, htpasswd, k8s-apply on cp1) were read, not run.
  const producerSteps = gate.report.events.filter((e) => e.type === 'step' && e.host === 'cp1' && ['certs', 'htpasswd', 'k8s-apply'].includes(e.role ?? ''));
  t.true(producerSteps.length > 0);
  t.true(producerSteps.every(isReadOnly));
  t.false(gate.report.events.some((e) => e.type === 'step' && ['dns-hosts', 'fstab-nfs', 'docker-trust', 'cri-proxy'].includes(e.role ?? '')), 'roles outside the tag that register nothing are not even read');
  t.false(/PLAY \[(container runtimes behind a proxy|registry name resolution|registry storage on NFS|docker trusts the registry)\]/.test(gate.stdout), 'plays with nothing selected or read are not shown');

  const apply = await play(['--tags', 'containerd']);
  t.is(apply.code, 0, `${output(apply)}\n${failures(apply).join('\n')}`);
  t.is(await lab.readFile('w1', hostsToml), good, 'hosts.toml is back, byte for byte');
  const changed = apply.report.events.filter((e) => e.type === 'step' && e.status === 'changed' && !isReadOnly(e));
  t.deepEqual(changed.map((e) => `${e.host} ${e.role}`), ['w1 containerd-trust'], changed.map((e) => e.step).join(', '));
  t.is(await fingerprint('cp1', cp1Files), untouched.cp1);
  t.is(await fingerprint('w1', w1Others), untouched.w1, 'w1: only hosts.toml was written');
  t.is(await fingerprint('w2', [...containerdFiles, '/etc/fstab']), untouched.w2);
  t.is(await fingerprint('b1', buildFiles), untouched.b1);
  for (const host of CONTAINERD_HOSTS) t.is(await restarts(host), restartsBefore[host]!, `${host}: no containerd restart`);

  const after = await play(['--tags', 'containerd', '--check', '--detailed-exitcode']);
  t.is(after.code, 0, output(after));
});

serial('the control plane fails (kubectl missing): the other nodes are blocked by cp1, not failed; one failure in the recap, the JSON and the JUnit; exit 2; nothing written on them', async (t) => {
  const nodes = ['w1', 'w2', 'b1'];
  const files = { w1: containerdFiles, w2: containerdFiles, b1: buildFiles } as Record<string, string[]>;
  const before = Object.fromEntries(await Promise.all(nodes.map(async (h) => [h, await fingerprint(h, files[h]!)] as const)));
  const junit = join(work, 'blocked.xml');
  const r = await play(['-e', 'kubectl_path=/nonexistent/kubectl', '--junit', junit]);
  t.is(r.code, 2, `${output(r)}\n${failures(r).join('\n')}`);
  t.like(r.report.recap.cp1, { failed: 1 });
  for (const host of nodes) t.like(r.report.recap[host], { failed: 0, blocked: 1, blockedBy: 'cp1' } as object, host);
  t.deepEqual(r.report.events.filter((e) => e.type === 'host-failed').map((e) => `${e.host} ${e.role}`), ['cp1 k8s-apply']);
  const blocked = r.report.events.filter((e) => e.type === 'host-blocked') as Array<LabEvent & { by: string; reason: string }>;
  t.deepEqual(blocked.map((e) => `${e.host} ${e.role} ${e.by}`).sort(), ['b1 dns-hosts cp1', 'w1 dns-hosts cp1', 'w2 dns-hosts cp1']);
  for (const e of blocked) t.regex(e.reason, /nonexistent\/kubectl/);
  t.regex(r.stdout, /^blocked: \[w1\]: role dns-hosts => blocked by cp1: /m);
  t.regex(r.stdout, /^w1 : ok=\d+ changed=0 unreachable=0 failed=0 skipped=0 blocked=1$/m);
  t.regex(r.stdout, /^blocked by cp1 \(failed; counted once, as cp1's failure\): w1, w2, b1$/m);
  t.regex(r.stdout, /PLAY \[containerd trusts the registry\] \*+\nskipping: no hosts left \(out of the run: cp1, w1, w2\)\n/);
  const xml = readFileSync(junit, 'utf8');
  t.regex(xml, /<testsuites name="play" tests="\d+" failures="1" /);
  t.is((xml.match(/<skipped message="blocked by cp1: /g) ?? []).length, 3);
  for (const host of nodes) t.is(await fingerprint(host, files[host]!), before[host], `${host} untouched`);
});

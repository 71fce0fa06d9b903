// What `play verify` checks where, from the site's roles and variables (prepare() on a loopback
// inventory, no host contacted): containerd-trust, docker-trust and node-trust's runtimes.
import test from 'ava';
import { rmSync } from 'node:fs';
import { prepareSite, siteProject } from '../helpers/site-project.js';
import { verifyPlan } from '../../src/verify/targets.js';

test('node-trust hosts: a set container_runtime gives its targets (no containerd target without containerd); auto is detected on the host first', async (t) => {
  const dir = siteProject({ hostVars: 'container_runtime: [crio, k3s]\nnode_trust_containers_dropin: true' });
  try {
    const plan = verifyPlan(await prepareSite(dir));
    const rows = plan.targets.map((x) => `${x.host} ${x.runtime} ${x.caFile}${x.trustFile ? ` ${x.trustFile.path} ~ ${x.trustFile.names}` : ''}`);
    t.deepEqual(rows, [
      'cp1 crio /etc/containers/certs.d/registry.lab:5000/ca.crt /etc/containers/registries.conf.d/regplay-registry.lab.conf ~ registry.lab:5000',
      'cp1 k3s /etc/rancher/k3s/registry-ca/registry.lab:5000/ca.crt /etc/rancher/k3s/registries.yaml ~ /etc/rancher/k3s/registry-ca/registry.lab:5000/ca.crt',
      'w1 containerd /etc/containerd/certs.d/registry.lab:5000/ca.crt',
      'b1 build /etc/docker/certs.d/registry.lab:5000/ca.crt',
    ]);
    // w1 (auto): every runtime node-trust could find there, kept only when found on the host
    t.deepEqual(plan.detect.map((d) => `${d.host}: ${d.candidates.map((c) => c.runtime).join(' ')}`), ['w1: crio docker k3s rke2 microk8s']);
    const micro = plan.detect[0]!.candidates.find((c) => c.runtime === 'microk8s')!;
    t.deepEqual(micro.trustFile, { path: '/var/snap/microk8s/current/args/certs.d/registry.lab:5000/hosts.toml', names: '/var/snap/microk8s/current/args/certs.d/registry.lab:5000/ca.crt' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

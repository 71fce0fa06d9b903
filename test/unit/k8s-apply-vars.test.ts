import test from 'ava';
import { markCliStrings } from '../../src/cli-strings.js';
import { InputError } from '../../src/errors.js';
import { Secret } from '../../src/secret.js';
import k8sApply from '../../roles/k8s-apply/index.js';
import { canonicalQuantity } from '../../src/resources/quantity.js';
import { vars } from './k8s-apply.fixture.js';

test('the role defaults plus one user are valid', (t) => {
  t.notThrows(() => k8sApply.validate!(vars()));
});

const bad: Array<[string, Record<string, unknown>, RegExp]> = [
  ['an unknown storage kind', { registry_storage_kind: 'emptydir' }, /registry_storage_kind = "emptydir".*Invalid enum value/],
  ['a size that is not a quantity', { registry_storage_size: '10 GB' }, /registry_storage_size = "10 GB": must be a Kubernetes quantity/],
  ['a size with a unit Kubernetes does not know', { registry_storage_size: '10GiB' }, /registry_storage_size/],
  ['a namespace that is not a DNS label', { registry_namespace: 'My_Registry' }, /registry_namespace = "My_Registry": must be an RFC 1123 DNS label/],
  ['an app name that cannot name a Service', { registry_app_name: '2registry' }, /registry_app_name = "2registry": must be an RFC 1035 label/],
  ['a pull namespace that is not a DNS label', { registry_pull_namespaces: ['default', 'Apps'] }, /registry_pull_namespaces\.1/],
  ['no pull namespace', { registry_pull_namespaces: [] }, /registry_pull_namespaces.*at least one/],
  ['nfs without a server', { registry_storage_kind: 'nfs', registry_storage_nfs_path: '/exports/r' }, /registry_storage_nfs_server = null: is required when registry_storage_kind is nfs/],
  ['nfs without a path', { registry_storage_kind: 'nfs', registry_storage_nfs_server: 'nas' }, /registry_storage_nfs_path/],
  ['a pull user that is not a registry user', { registry_pull_user: 'mallory' }, /registry_pull_user = "mallory": must be one of the names in registry_users/],
  ['no users', { registry_users: [] }, /registry_users.*at least one user/],
  ['an external IP that is not an address', { registry_external_ips: ['registry.local'] }, /registry_external_ips\.0/],
  ['a loopback external IP (the API server refuses it)', { registry_external_ips: ['127.0.0.1'] }, /registry_external_ips\.0 = "127\.0\.0\.1": must not be a loopback/],
  ['a node selector value with a space (not a label value)', { registry_node_selector: { 'kubernetes.io/hostname': 'cp 1' } }, /registry_node_selector\.kubernetes\.io\/hostname.*must be a label value/],
  ['a node selector key with two slashes', { registry_node_selector: { 'a/b/c': 'x' } }, /registry_node_selector.*must be a label key/],
  ['a storage node that is not a label value', { registry_storage_kind: 'hostpath', registry_storage_node: 'node 1' }, /registry_storage_node.*must be a label value/],
  ['a node selector pinning the pod away from the hostpath node', { registry_storage_kind: 'hostpath', registry_storage_node: 'w1', registry_node_selector: { 'kubernetes.io/hostname': 'w2' } }, /registry_node_selector\.kubernetes\.io\/hostname.*must be registry_storage_node \(w1\)/],
  ['a memory request above its limit', { registry_resources: { requests: { memory: '2Gi' }, limits: { memory: '1Gi' } } }, /registry_resources\.requests\.memory = "2Gi": must not exceed registry_resources\.limits\.memory \(1Gi\)/],
  ['an Ingress on an IP registry name', { registry_ingress: true, registry_name: '10.0.0.5' }, /registry_name = "10\.0\.0\.5": is an IP address, and an Ingress host must be a DNS name/],
  ['a node port outside 30000-32767', { registry_node_port: 5000 }, /registry_node_port = 5000: must be in the NodePort range/],
  ['a memory request that is not a quantity', { registry_resources: { requests: { memory: 'lots' } } }, /registry_resources\.requests\.memory/],
  ['an image with spaces', { registry_image: 'registry 2' }, /registry_image/],
  ['a relative host path', { registry_storage_kind: 'hostpath', registry_storage_host_path: 'data/registry' }, /registry_storage_host_path/],
  ['a port out of range', { registry_port: 70000 }, /registry_port = 70000: must be 1-65535/],
  ['a digest-only image without registry_config_path', { registry_image: 'registry@sha256:' + 'b'.repeat(64) }, /registry_image.*cannot tell where this image reads its config/],
  ['an unknown major version without registry_config_path', { registry_image: 'registry:9.1' }, /registry_config_path/],
];

for (const [label, overrides, message] of bad) {
  test(`bad input is an InputError naming the variable: ${label}`, (t) => {
    const err = t.throws(() => k8sApply.validate!(vars(overrides)), { instanceOf: InputError });
    t.regex(`${err!.message} (${err!.hint ?? ''})`, message);
  });
}

test('a password never appears in an InputError about it', (t) => {
  const err = t.throws(() => k8sApply.validate!(vars({ registry_users: [{ name: 'a:b', password: new Secret('hunter2-secret') }] })), { instanceOf: InputError });
  t.false(err!.message.includes('hunter2-secret'));
});

test('-e key=value strings are read as the flags, numbers and lists they spell; the same strings from YAML are refused', (t) => {
  const given = { registry_ingress: 'true', registry_node_port: '30500', registry_external_ips: '10.0.0.5,10.0.0.6', registry_pull_namespaces: 'default,apps', registry_rollout_timeout: '60' };
  t.notThrows(() => k8sApply.validate!(markCliStrings(vars(given), Object.keys(given))));
  t.throws(() => k8sApply.validate!(vars({ registry_node_port: '30500' })), { instanceOf: InputError, message: /registry_node_port = "30500": must be a whole number/ });
  t.throws(() => k8sApply.validate!(vars({ registry_probe: { initial_delay_seconds: true, period_seconds: 10, timeout_seconds: 3, failure_threshold: 3 } })), { instanceOf: InputError, message: /registry_probe\.initial_delay_seconds = true: must be a whole number/ });
  t.throws(() => k8sApply.validate!(vars({ registry_probe: { initial_delay_seconds: 5, initial_delay_secnds: 5, period_seconds: 10, timeout_seconds: 3, failure_threshold: 3 } })), { instanceOf: InputError, message: /registry_probe.*Unrecognized key/ });
});

const quantities: Array<[string, string]> = [
  ['10Gi', '10Gi'],
  ['1024Mi', '1Gi'],
  ['1.5Gi', '1536Mi'],
  ['0.5Gi', '512Mi'],
  ['1536', '1536'],
  ['1000', '1k'],
  ['1500M', '1500M'],
  ['2000M', '2G'],
  ['0.1', '100m'],
  ['1000m', '1'],
  ['50m', '50m'],
  ['0', '0'],
  ['512Ki', '512Ki'],
  ['100Ki', '100Ki'],
  ['0.5Ki', '512'],
];

test('quantities are written in the API server\'s canonical form (so desired ⊆ live holds after it normalises them)', (t) => {
  for (const [given, canonical] of quantities) t.is(canonicalQuantity(given), canonical, given);
  for (const notOne of ['', '10 Gi', '10GB', '-1Gi', 'Gi', '1e3x', '1.Gi']) t.is(canonicalQuantity(notOne), undefined, notOne);
});

// The bench's pure parts (bench/): inventory conversion for Ansible, report parsing, statistics,
// the RESULTS.md section. Nothing here is timed; the bench itself is run by hand.
import test from 'ava';
import { parse } from 'yaml';
import { flattenInventory, toAnsibleInventory } from '../../bench/ansible-inventory.js';
import { parseBenchArgs } from '../../bench/args.js';
import { bucketOf, busyTimeline, summarizeProfile } from '../../bench/cpu-profile.js';
import { creatableDirs, resetScript } from '../../bench/host-state.js';
import { benchLayout } from '../../bench/layout.js';
import { parsePlayReport, roundTripFigure } from '../../bench/play-report.js';
import { renderSection, spliceSection, type BenchResult } from '../../bench/results.js';
import { speedup, summarize } from '../../bench/stats.js';
import { parseAnsibleRecap } from '../../bench/tools.js';
import { benchVars, nodeWork } from '../../bench/vars.js';

const labInventory = parse(`
all:
  children:
    control_plane:
      hosts:
        cp1: { host: 10.213.7.11, port: 22, user: root, ssh_key: /lab/id_ed25519, known_hosts: /lab/known_hosts }
    workers:
      hosts:
        w1: { host: 10.213.7.12, port: 22, user: root, ssh_key: /lab/id_ed25519, known_hosts: /lab/known_hosts }
    build:
      vars: { user: builder }
      hosts:
        b1: { host: 10.213.7.13, port: 2222, ssh_key: id_ed25519, known_hosts: known_hosts }
`);

test('the lab inventory becomes an Ansible inventory reaching the same address, port, user, key and known_hosts', (t) => {
  const inv = toAnsibleInventory(labInventory, '/lab');
  t.deepEqual(inv.all.hosts.cp1, {
    ansible_host: '10.213.7.11',
    ansible_port: 22,
    ansible_user: 'root',
    ansible_ssh_private_key_file: '/lab/id_ed25519',
    ansible_ssh_common_args: '-o IdentitiesOnly=yes -o UserKnownHostsFile=/lab/known_hosts -o StrictHostKeyChecking=yes',
  });
  t.deepEqual(inv.all.children.workers, { hosts: { w1: null } });
  t.is(inv.all.vars.ansible_python_interpreter, '/usr/bin/python3');
});

test('group vars reach their hosts and relative key paths resolve against the inventory directory', (t) => {
  const b1 = toAnsibleInventory(labInventory, '/lab').all.hosts.b1!;
  t.is(b1.ansible_user, 'builder');
  t.is(b1.ansible_port, 2222);
  t.is(b1.ansible_ssh_private_key_file, '/lab/id_ed25519');
});

test('a host listed in two groups is one host in both groups', (t) => {
  const hosts = flattenInventory({ all: { children: { a: { hosts: { h: { host: 'x' } } }, b: { hosts: { h: null } } } } });
  t.is(hosts.length, 1);
  t.deepEqual(hosts[0]!.groups, ['a', 'b']);
  t.is(hosts[0]!.vars.host, 'x');
});

test('the bench layout is one control plane, N-2 workers and one build host', (t) => {
  const layout = benchLayout(8);
  t.deepEqual(Object.keys(layout), ['cp1', 'w1', 'w2', 'w3', 'w4', 'w5', 'w6', 'b1']);
  t.deepEqual(layout.b1, ['build']);
  t.throws(() => benchLayout(2), { message: /--hosts must be an integer ≥ 3/ });
});

test('bench options default to 8 hosts and 3 runs and refuse fewer than 3 runs', (t) => {
  t.like(parseBenchArgs([]), { hosts: 8, runs: 3, site: true, build: true });
  t.like(parseBenchArgs(['--hosts', '50', '--no-site']), { hosts: 50, site: false });
  t.throws(() => parseBenchArgs(['--runs', '2']), { message: /--runs/ });
  t.throws(() => parseBenchArgs(['--bogus']), { code: 'ERR_PARSE_ARGS_UNKNOWN_OPTION', message: /Unknown option '--bogus'/ });
});

test('median and spread of an even and an odd number of samples', (t) => {
  t.deepEqual(summarize([3, 1, 2]), { n: 3, median: 2, min: 1, max: 3 });
  t.is(summarize([4, 1, 2, 3]).median, 2.5);
  t.is(speedup(summarize([20, 20, 20]), summarize([1, 1, 1])), 20);
  t.throws(() => summarize([]), { message: 'summarize: no samples' });
});

const events = [
  { type: 'run-start', playbook: 'site.yaml', check: false, hosts: ['cp1', 'w1'] },
  { type: 'play-start', play: 'a', hosts: ['cp1'], readOnlyHosts: [] },
  { type: 'play-start', play: 'b', hosts: ['cp1', 'w1'], readOnlyHosts: [] },
  { type: 'run-end', exitCode: 0, durationMs: 5, recap: { cp1: { ok: 3, changed: 0, unreachable: 0, failed: 0, skipped: 0, roundTrips: 4 }, w1: { ok: 1, changed: 1, unreachable: 0, failed: 0, skipped: 0, roundTrips: 1 } } },
];

test('round trips per host per play come from the run-end recap and the play-start events', (t) => {
  for (const text of [JSON.stringify(events), JSON.stringify({ events }), events.map((e) => JSON.stringify(e)).join('\n')]) {
    const report = parsePlayReport(text);
    t.deepEqual(report.hosts.cp1, { roundTrips: 4, changed: 0, failed: 0, unreachable: 0, plays: 2 });
    t.deepEqual(roundTripFigure(report), { maxPerHost: 4, maxPerHostPerPlay: 2 });
  }
});

test('a JSON report without roundTrips is an error, not a zero', (t) => {
  t.throws(() => parsePlayReport(JSON.stringify({ recap: { cp1: { ok: 1 } } })), { message: /roundTrips/ });
});

test('the Ansible PLAY RECAP is summed over hosts', (t) => {
  const out = `PLAY RECAP *********\ncp1                        : ok=5    changed=0    unreachable=0    failed=0    skipped=0    rescued=0    ignored=0\nw1                         : ok=8    changed=2    unreachable=0    failed=1    skipped=0    rescued=0    ignored=0\n`;
  t.deepEqual(parseAnsibleRecap(out), { hosts: 2, changed: 2, failed: 1, unreachable: 0 });
});

test('the reset removes what the node roles create and the backups, and unmounts the share', (t) => {
  const script = resetScript(nodeWork({ registryIp: '10.0.0.1', caPem: 'PEM' }));
  t.regex(script, /umount \/var\/lib\/registry-share/);
  t.regex(script, /rm -rf \/etc\/containerd\/certs\.d\/registry\.bench\.test:5000 /);
  t.regex(script, /\/etc\/docker\/certs\.d\/registry\.bench\.test:5000/);
  t.regex(script, /rm -f \/etc\/containerd\/config\.toml\.\*~/);
  t.regex(resetScript(nodeWork({ registryIp: '10.0.0.1', caPem: 'PEM' }), ['/etc/docker']), /rm -rf \/etc\/docker$/);
});

test('directories the roles may create, parents included, never a top-level directory', (t) => {
  t.deepEqual(creatableDirs(nodeWork({ registryIp: '10.0.0.1', caPem: 'PEM' })), [
    '/etc/containerd',
    '/etc/containerd/certs.d',
    '/etc/docker',
    '/etc/docker/certs.d',
    '/var/lib',
    '/var/lib/registry-share',
  ]);
});

test('both tools get one variables file with the registry, CA and restart command', (t) => {
  const vars = benchVars(nodeWork({ registryIp: '10.0.0.1', caPem: 'PEM' }));
  t.like(vars, { registry_name: 'registry.bench.test', registry_port: 5000, registry_ip: '10.0.0.1', registry_ca_pem: 'PEM' });
  t.deepEqual(vars.containerd_restart_command, ['service', 'containerd', 'restart']);
});

const s = (median: number) => ({ n: 3, median, min: median - 1, max: median + 1 });
const result: BenchResult = {
  hosts: 8,
  layout: '1 control plane, 6 workers, 1 build host',
  runs: 3,
  date: '2025-01-01T00:00:00Z',
  machine: { cpu: '2 × CPU', memory: '1 GiB', os: 'Debian', versions: { node: 'v20' } },
  playCommand: 'node bin/play.js',
  nodeConverge: { play: s(500), ansible: s(10_000) },
  nodeNoop: { play: s(300), ansible: s(9_000) },
  siteNoop: s(800),
  peakRss: { nodeConverge: 90, nodeNoop: 80, siteNoop: 100 },
  roundTrips: { nodeNoop: { maxPerHost: 4, maxPerHostPerPlay: 1 }, siteNoop: { maxPerHost: 6, maxPerHostPerPlay: 3 } },
  noopChanged: { play: 0, ansible: 0, site: 0 },
  baseline: { nodeStart: s(40) },
  load: { before: 0.5, after: 1 },
  notes: [],
};

test('the results section states ratios against the 8-host targets, and misses in bold', (t) => {
  const md = renderSection(result);
  t.regex(md, /Node roles, first converge \| 0\.50 s \(0\.50–0\.50\) \| 10\.0 s \(10\.0–10\.0\) \| 20× \| ≥ 10× \| yes/);
  t.regex(md, /Node roles, no-op re-run \| .* \| 30× \| ≥ 20× \| yes/);
  t.regex(md, /site\.yaml.*\| ≤ 1\.0 s \| yes/);
  t.regex(md, /round trips.*\| 4 \(1 per play\) \/ 6 \(3 per play\) \| — \| — \| ≤ 1 \/ ≤ 2 \| \*\*no\*\*/);
  t.regex(md, /Start-up.*\| — \| — \| ≤ 0\.15 s \(`play --help`\) \| — \|/, 'no play --help figure: not judged');
});

test('one exec per host for the whole node-role no-op and at most two in site.yaml meet the round-trip target; a fast start-up meets its own', (t) => {
  const md = renderSection({ ...result, roundTrips: { nodeNoop: { maxPerHost: 1, maxPerHostPerPlay: 0.3 }, siteNoop: { maxPerHost: 2, maxPerHostPerPlay: 0.5 } }, baseline: { nodeStart: s(40), playHelp: s(140) } });
  t.regex(md, /round trips.*\| 1 \(0\.3 per play\) \/ 2 \(0\.5 per play\) \| — \| — \| ≤ 1 \/ ≤ 2 \| yes \|/);
  t.regex(md, /Start-up.*\| ≤ 0\.15 s \(`play --help`\) \| yes \|/);
  t.regex(renderSection({ ...result, baseline: { nodeStart: s(40), playHelp: s(190) } }), /Start-up.*\| \*\*no\*\* \|/);
});

test('a re-run replaces its own host-count section and keeps the others and hand-written text', (t) => {
  let text = spliceSection(null, 8, 'eight v1');
  text = spliceSection(text, 50, 'fifty');
  text += '\n## What bounds the figures\nhand-written\n';
  text = spliceSection(text, 8, 'eight v2');
  t.true(text.includes('eight v2'));
  t.false(text.includes('eight v1'));
  t.true(text.includes('fifty'));
  t.true(text.includes('hand-written'));
  t.true(text.indexOf('eight v2') < text.indexOf('fifty'));
});

test('at 50 hosts the no-op rows are held to 3 s of wall time and a missing site figure is not judged', (t) => {
  const md = renderSection({ ...result, hosts: 50, siteNoop: undefined, nodeNoop: { play: s(3260), ansible: s(78_000) } });
  t.regex(md, /Node roles, no-op re-run \| 3\.26 s .* \| ≤ 3 s \| \*\*no\*\*/);
  t.regex(md, /site\.yaml.*\| — \| — \| — \| ≤ 3 s \| — \|/);
  t.regex(md, /Peak RSS.*\| ≤ 150 MB \| yes/);
});

test('profile time is charged to packages, source folders, node internals and idle', (t) => {
  t.is(bucketOf('file:///repo/node_modules/ssh2/lib/client.js', 'connect'), 'ssh2');
  t.is(bucketOf('file:///repo/node_modules/@types/x/index.js', 'f'), '@types/x');
  t.is(bucketOf('file:///repo/dist/src/engine/run/run.js', 'run'), 'src/engine');
  t.is(bucketOf('node:internal/modules/cjs/loader', 'wrapSafe'), 'node internals');
  t.is(bucketOf('', '(idle)'), '(idle)');
  const profile = {
    startTime: 0,
    endTime: 30_000,
    nodes: [
      { id: 1, callFrame: { functionName: '(idle)', url: '' } },
      { id: 2, callFrame: { functionName: 'parse', url: 'file:///r/node_modules/yaml/dist/index.js' } },
    ],
    samples: [1, 2, 2],
    timeDeltas: [10_000, 10_000, 10_000],
  };
  t.deepEqual(summarizeProfile(profile), [{ bucket: 'yaml', ms: 20 }, { bucket: '(idle)', ms: 10 }]);
  t.deepEqual(busyTimeline(profile, 15), [0, 10, 10]);
});

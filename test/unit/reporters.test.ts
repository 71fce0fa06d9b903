import test from 'ava';
import { chmodSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { EngineEvent } from '../../src/engine/events.js';
import { k8sRenderer, renderFileName } from '../../src/engine/load/render.js';
import { humanReporter } from '../../src/reporters/human.js';
import { jsonReporter } from '../../src/reporters/json.js';
import { junitReporter } from '../../src/reporters/junit.js';
import { formatRecap, recapLine } from '../../src/reporters/recap.js';
import { Secret } from '../../src/secret.js';
import { tempTree } from '../helpers/fakes.js';

const recap = {
  cp1: { ok: 3, changed: 1, unreachable: 0, failed: 0, skipped: 0, blocked: 0, roundTrips: 2 },
  w1: { ok: 0, changed: 0, unreachable: 1, failed: 0, skipped: 0, blocked: 0, roundTrips: 0 },
};

const events: EngineEvent[] = [
  { type: 'run-start', playbook: 'site.yaml', check: false, hosts: ['cp1', 'w1'] },
  { type: 'play-start', play: 'pki', hosts: ['cp1', 'w1'], readOnlyHosts: [] },
  { type: 'role-start', play: 'pki', role: 'certs', host: 'cp1' },
  { type: 'step', play: 'pki', role: 'certs', host: 'cp1', step: 'file /etc/a', status: 'ok', actions: [], durationMs: 5 },
  {
    type: 'step',
    play: 'pki',
    role: 'certs',
    host: 'cp1',
    step: 'file /etc/b',
    status: 'changed',
    actions: ['write content', 'chmod 0600'],
    why: 'content differs',
    diffs: [{ header: '/etc/b', before: 'one\ntwo\n', after: 'one\nthree\n' }],
    durationMs: 7,
  },
  { type: 'step', play: 'pki', role: 'certs', host: 'cp1', step: 'command <x>', status: 'failed', actions: [], error: 'exit 1 & "bad"', durationMs: 1 },
  { type: 'step', play: 'pki', role: 'certs', host: 'cp1', step: 'file /etc/c', status: 'skipped', actions: [], durationMs: 0 },
  { type: 'handler', play: 'pki', host: 'cp1', handler: 'restart containerd', status: 'changed', check: false, durationMs: 3 },
  { type: 'host-failed', play: 'pki', host: 'cp1', role: 'certs', error: 'exit 1' },
  { type: 'host-unreachable', play: 'pki', host: 'w1', error: 'connection refused' },
  { type: 'play-end', play: 'pki' },
  { type: 'run-end', recap, exitCode: 6, durationMs: 1234 },
];

test('recap lines are Ansible-style', (t) => {
  t.is(recapLine('cp1', recap.cp1), 'cp1 : ok=3 changed=1 unreachable=0 failed=0 skipped=0 blocked=0');
  t.regex(formatRecap(recap), /^PLAY RECAP \*+\ncp1 : ok=3 changed=1 unreachable=0 failed=0 skipped=0 blocked=0\nw1 : ok=0 changed=0 unreachable=1 failed=0 skipped=0 blocked=0\n$/);
});

function human(o: { tty?: boolean; verbose?: boolean; diff?: boolean }): string {
  let out = '';
  const r = humanReporter({ write: (s) => (out += s), tty: o.tty ?? false, verbose: o.verbose ?? false, diff: o.diff ?? false });
  events.forEach(r);
  return out;
}

test('human output without a TTY is plain lines, one per step, Ansible words', (t) => {
  const out = human({});
  t.false(out.includes('\x1b['));
  t.regex(out, /PLAY \[pki\] \*+/);
  t.regex(out, /^ok: \[cp1\] certs \| file \/etc\/a$/m);
  t.regex(out, /^changed: \[cp1\] certs \| file \/etc\/b \(content differs\)$/m);
  t.regex(out, /^failed: \[cp1\] certs \| command <x>: exit 1 & "bad"$/m);
  t.regex(out, /^skipping: \[cp1\] certs \| file \/etc\/c$/m);
  t.regex(out, /^RUNNING HANDLER changed: \[cp1\] restart containerd$/m);
  t.regex(out, /^fatal: \[w1\]: UNREACHABLE! => connection refused$/m);
  t.regex(out, /cp1 : ok=3 changed=1 unreachable=0 failed=0 skipped=0 blocked=0/);
  t.false(out.includes('write content'));
  t.false(out.includes('+three'));
});

test('a handler in check mode is reported as "would run", in the human and JUnit output', (t) => {
  let out = '';
  const r = humanReporter({ write: (s) => (out += s), tty: false, verbose: false, diff: false });
  const dir = tempTree({});
  const junit = junitReporter(join(dir, 'out.xml'));
  const checkEvents: EngineEvent[] = [
    { type: 'run-start', playbook: 'site.yaml', check: true, hosts: ['cp1'] },
    { type: 'play-start', play: 'p', hosts: ['cp1'], readOnlyHosts: [] },
    { type: 'handler', play: 'p', host: 'cp1', handler: 'restart containerd', status: 'changed', check: true, durationMs: 0 },
    { type: 'play-end', play: 'p' },
    { type: 'run-end', recap: { cp1: recap.cp1 }, exitCode: 0, durationMs: 1 },
  ];
  for (const e of checkEvents) {
    r(e);
    junit(e);
  }
  t.regex(out, /^HANDLER would run \(check\): \[cp1\] restart containerd$/m);
  t.false(out.includes('RUNNING HANDLER'));
  t.regex(readFileSync(join(dir, 'out.xml'), 'utf8'), /status: would run \(check mode: not run\)/);
});

test('human output on a TTY is coloured', (t) => {
  t.true(human({ tty: true }).includes('\x1b[33mchanged: [cp1]\x1b[0m'));
});

test('-v shows planned actions, --diff shows unified diffs', (t) => {
  const out = human({ verbose: true, diff: true });
  t.regex(out, /^ {4}- write content$/m);
  t.regex(out, /^ {4}- chmod 0600$/m);
  t.regex(out, /--- \/etc\/b \(before\)\n\+\+\+ \/etc\/b \(after\)\n@@ -1,2 \+1,2 @@\n one\n-two\n\+three/);
});

test('--junit: a testcase per host and step, failures and skips marked, XML escaped', (t) => {
  const dir = tempTree({});
  const file = join(dir, 'r.xml');
  const r = junitReporter(file);
  events.forEach(r);
  const xml = readFileSync(file, 'utf8');
  t.regex(xml, /<testsuites name="play" tests="6" failures="2" skipped="1"/);
  t.regex(xml, /<testsuite name="pki" tests="6" failures="2" skipped="1"/);
  t.regex(xml, /<testcase classname="cp1.certs" name="file \/etc\/a"/);
  t.regex(xml, /<testcase classname="cp1.certs" name="command &lt;x&gt;" time="0.001">\n\s+<failure message="exit 1 &amp; &quot;bad&quot;">/);
  t.regex(xml, /<testcase classname="cp1.certs" name="file \/etc\/c" time="0.000">\n\s+<skipped\/>/);
  t.regex(xml, /<testcase classname="w1.connection" name="connect" time="0.000">\n\s+<failure message="connection refused">/);
  t.regex(xml, /<testcase classname="cp1.handlers" name="restart containerd"/);
});

test('--json: every event and the recap', (t) => {
  const dir = tempTree({});
  const file = join(dir, 'r.json');
  const r = jsonReporter(file);
  events.forEach(r);
  const data = JSON.parse(readFileSync(file, 'utf8'));
  t.deepEqual(data.recap, recap);
  t.is(data.exitCode, 6);
  t.is(data.events.length, events.length);
  t.is(data.events[4].diffs[0].after, 'one\nthree\n');
});

test('--render writes each planned k8s object as <namespace>-<kind>-<name>.yaml, secrets masked unless asked', (t) => {
  const obj = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'regcred', namespace: 'default' }, data: { '.dockerconfigjson': new Secret('c2VjcmV0LWRhdGEtcmVuZGVy', 'x') } };
  const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'registry' } };
  const masked = tempTree({});
  k8sRenderer(masked, false)('cp1', [{ kind: 'k8s', kubectl: { path: 'kubectl' }, objects: [obj, ns] }, { kind: 'file', path: '/x', content: 'y' }]);
  t.deepEqual(readdirSync(masked).sort(), ['cluster-namespace-registry.yaml', 'default-secret-regcred.yaml']);
  const text = readFileSync(join(masked, 'default-secret-regcred.yaml'), 'utf8');
  t.regex(text, /\.dockerconfigjson: "\*\*\*"/);
  t.false(text.includes('c2VjcmV0LWRhdGEtcmVuZGVy'));
  const revealed = tempTree({});
  k8sRenderer(revealed, true)('cp1', [{ kind: 'k8s', kubectl: { path: 'kubectl' }, objects: [obj] }]);
  t.regex(readFileSync(join(revealed, 'default-secret-regcred.yaml'), 'utf8'), /\.dockerconfigjson: c2VjcmV0LWRhdGEtcmVuZGVy/);
  t.is(renderFileName({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'registry', namespace: 'registry' } }), 'registry-deployment-registry.yaml');
});

test('--render-secrets output is 0600 even when the file already existed with a wider mode', (t) => {
  const obj = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'regcred', namespace: 'default' }, data: { x: new Secret('c2VjcmV0LW1vZGUtdGVzdA', 'x') } };
  const dir = tempTree({ 'default-secret-regcred.yaml': 'old\n' });
  chmodSync(join(dir, 'default-secret-regcred.yaml'), 0o644);
  k8sRenderer(dir, true)('cp1', [{ kind: 'k8s', kubectl: { path: 'kubectl' }, objects: [obj] }]);
  t.is(statSync(join(dir, 'default-secret-regcred.yaml')).mode & 0o777, 0o600);
  t.regex(readFileSync(join(dir, 'default-secret-regcred.yaml'), 'utf8'), /c2VjcmV0LW1vZGUtdGVzdA/);
  t.deepEqual(readdirSync(dir), ['default-secret-regcred.yaml'], 'no temp file left');
});

test('on a TTY a live status line shows what each host is doing and is cleared before the next line', (t) => {
  let out = '';
  const r = humanReporter({ write: (s) => (out += s), tty: true, verbose: false, diff: false, columns: 80 });
  r({ type: 'play-start', play: 'p', hosts: ['cp1'], readOnlyHosts: [] });
  r({ type: 'role-start', play: 'p', role: 'certs', host: 'cp1' });
  t.true(out.endsWith('\x1b[2m… cp1: certs\x1b[0m'));
  r({ type: 'step', play: 'p', role: 'certs', host: 'cp1', step: 'file /x', status: 'ok', actions: [], durationMs: 1 });
  t.true(out.includes('\x1b[0m\r\x1b[2K\x1b[32mok: [cp1]'));
});

test('a blocked host: its own line, counted apart in the recap (with who blocked it), a skipped JUnit case with the reason', (t) => {
  const blockedRecap = {
    cp1: { ...recap.cp1, failed: 1 },
    w1: { ok: 0, changed: 0, unreachable: 0, failed: 0, skipped: 0, blocked: 1, blockedBy: 'cp1', roundTrips: 0 },
    w2: { ok: 0, changed: 0, unreachable: 0, failed: 0, skipped: 0, blocked: 1, blockedBy: 'cp1', roundTrips: 0 },
  };
  const blockedEvents: EngineEvent[] = [
    { type: 'run-start', playbook: 'site.yaml', check: false, hosts: ['cp1', 'w1', 'w2'] },
    { type: 'play-start', play: 'dns', hosts: ['w1', 'w2'], readOnlyHosts: [] },
    ...['w1', 'w2'].map((host): EngineEvent => ({ type: 'host-blocked', play: 'dns', host, role: 'dns-hosts', by: 'cp1', reason: 'k8s-apply: kubectl not found', waitsFor: 'fact registry_k8s from cp1 is not available' })),
    { type: 'play-end', play: 'dns' },
    { type: 'run-end', recap: blockedRecap, exitCode: 2, durationMs: 5 },
  ];
  let out = '';
  const h = humanReporter({ write: (s) => (out += s), tty: false, verbose: false, diff: false });
  const dir = tempTree({});
  const junit = junitReporter(join(dir, 'r.xml'));
  for (const e of blockedEvents) {
    h(e);
    junit(e);
  }
  t.regex(out, /^blocked: \[w1\]: role dns-hosts => blocked by cp1: k8s-apply: kubectl not found \(fact registry_k8s from cp1 is not available\)$/m);
  t.regex(out, /^w1 : ok=0 changed=0 unreachable=0 failed=0 skipped=0 blocked=1$/m);
  t.regex(out, /^blocked by cp1 \(failed; counted once, as cp1's failure\): w1, w2$/m);
  const xml = readFileSync(join(dir, 'r.xml'), 'utf8');
  t.regex(xml, /<testsuites name="play" tests="2" failures="0" skipped="2"/);
  t.regex(xml, /<testcase classname="w1.dns-hosts" name="blocked" time="0.000">\n\s+<skipped message="blocked by cp1: k8s-apply: kubectl not found"\/>/);
});

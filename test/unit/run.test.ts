import test from 'ava';
import { join } from 'node:path';
import { InputError, StateError, UnreachableError } from '../../src/errors.js';
import { prepare, varsFor } from '../../src/engine/load/prepare.js';
import { executeRole } from '../../src/engine/run/executor.js';
import { runPrepared } from '../../src/engine/run/run.js';
import { humanReporter } from '../../src/reporters/human.js';
import { factOf } from '../../roles/_shared/facts.js';
import type { Role, Vars } from '../../src/resources/role.js';
import type { EngineEvent } from '../../src/engine/events.js';
import { collector, fakeCatalog, fakeRole, fakeWorld, labInventory, tempTree } from '../helpers/fakes.js';

async function setup(playbook: string, roles: Role[], o: { limit?: string; extraVars?: string[]; tags?: string[]; skipTags?: string[]; files?: Record<string, string>; defaults?: Record<string, Record<string, unknown>> } = {}) {
  const dir = tempTree({ 'inv.yaml': labInventory, 'pb.yaml': playbook, ...o.files });
  return prepare({
    playbook: join(dir, 'pb.yaml'),
    inventory: join(dir, 'inv.yaml'),
    limit: o.limit,
    extraVars: o.extraVars,
    tags: o.tags,
    skipTags: o.skipTags,
    cwd: dir,
    env: {},
    catalog: fakeCatalog(roles, o.defaults),
  });
}

const noTemplate = () => '';

test('variable precedence: defaults < all < group < host < play vars < role params < -e', async (t) => {
  const layers = ['d', 'all', 'group', 'host', 'play', 'param', 'extra'];
  const files = {
    'inv.yaml': `all:
  vars: {v_all: all, v_group: all, v_host: all, v_play: all, v_param: all, v_extra: all}
  children:
    workers:
      vars: {v_group: group, v_host: group, v_play: group, v_param: group, v_extra: group}
      hosts:
        w1: {v_host: host, v_play: host, v_param: host, v_extra: host}
`,
  };
  const p = await setup(
    `- hosts: workers
  vars: {v_play: play, v_param: play, v_extra: play}
  roles:
    - role: r
      vars: {v_param: param, v_extra: param}
`,
    [fakeRole('r')],
    { files, extraVars: ['v_extra=extra'], defaults: { r: Object.fromEntries(['v_d', 'v_all', 'v_group', 'v_host', 'v_play', 'v_param', 'v_extra'].map((k) => [k, 'd'])) } },
  );
  const pp = p.plays[0]!;
  const vars = varsFor(p, 'w1', pp.play, pp.roles[0]!).vars;
  t.deepEqual(
    layers.map((l) => vars[`v_${l === 'd' ? 'd' : l}`]),
    ['d', 'all', 'group', 'host', 'play', 'param', 'extra'],
  );
});

test('validate() runs for every play, host and role before any connection; its InputError names where the variable was set', async (t) => {
  const seen: string[] = [];
  const role = fakeRole('r', {
    validate(vars: Vars) {
      seen.push(String(vars.inventory_hostname));
      if (vars.registry_name === 'Bad_Name') throw new InputError('role r: variable registry_name = "Bad_Name": must be a lower-case RFC 1123 DNS name');
    },
  });
  await setup('- hosts: workers\n  roles: [r]\n', [role]);
  t.deepEqual(seen, ['w1', 'w2']);
  const e = await t.throwsAsync(setup('- hosts: workers\n  vars:\n    registry_name: Bad_Name\n  roles: [r]\n', [role]), { instanceOf: InputError });
  t.regex(e!.describe(), /pb\.yaml:3:5: play 'workers', host w1: role r: variable registry_name = "Bad_Name": must be a lower-case RFC 1123 DNS name/);
});

test('a missing variable is reported as not set, at the role entry', async (t) => {
  const role = fakeRole('r', {
    validate(vars: Vars) {
      if (vars.registry_users === undefined) throw new InputError('role r: variable registry_users is not set: Required');
    },
  });
  const e = await t.throwsAsync(setup('- hosts: workers\n  roles:\n    - r\n', [role]), { instanceOf: InputError });
  t.regex(e!.describe(), /pb\.yaml:3:7: play 'workers', host w1: role r: variable registry_users is not set/);
  t.regex(e!.describe(), /-> set registry_users in the inventory/);
});

test('an unknown role is an InputError with file:line listing the known roles', async (t) => {
  const e = await t.throwsAsync(setup('- hosts: workers\n  roles:\n    - certs\n    - cert\n', [fakeRole('certs'), fakeRole('htpasswd')]), { instanceOf: InputError });
  t.is(e!.describe().split('\n')[0]!.replace(/^.*pb\.yaml/, 'pb.yaml'), "pb.yaml:4:7: unknown role 'cert'");
  t.regex(e!.describe(), /known roles: certs, htpasswd/);
});

test('each host runs its plays and roles in order, hosts in parallel; a host does not wait at play boundaries; events come out play by play', async (t) => {
  const order: string[] = [];
  let running = 0;
  let maxRunning = 0;
  const w = fakeWorld({
    async script(o) {
      running++;
      maxRunning = Math.max(maxRunning, running);
      await new Promise((r) => setImmediate(r));
      order.push(`${o.play}/${o.ctx.host.name}/${o.role.name}`);
      running--;
      return { ok: 1 };
    },
  });
  const p = await setup('- name: p1\n  hosts: workers\n  roles: [a, b]\n- name: p2\n  hosts: build\n  roles: [a]\n', [fakeRole('a'), fakeRole('b')]);
  const c = collector();
  const r = await runPrepared(p, { check: false, diff: false, emit: c.emit, template: noTemplate }, w.deps);
  t.is(r.exitCode, 0);
  t.is(maxRunning, 3, 'b1 (only in p2) runs while the workers are still in p1');
  t.deepEqual(order.filter((x) => x.includes('w1')), ['p1/w1/a', 'p1/w1/b']);
  t.true(order.indexOf('p2/b1/a') < order.indexOf('p1/w1/b'), 'b1 did not wait for p1 to end');
  t.like(r.recap.w1, { ok: 2, changed: 0, unreachable: 0, failed: 0, skipped: 0, blocked: 0, roundTrips: 0 });
  t.true(r.recap.w1!.durationMs >= 0);
  t.deepEqual(c.events.map((e) => e.type).filter((x) => x !== 'role-start'), ['run-start', 'play-start', 'play-end', 'play-start', 'play-end', 'run-end']);
  const plays = c.events.filter((e) => e.type === 'role-start').map((e) => e.play);
  t.deepEqual(plays, ['p1', 'p1', 'p1', 'p1', 'p2'], 'the role events of p2 come after those of p1');
});

test('a host waits only for the hosts whose facts its plan reads, until they are done with the plays before', async (t) => {
  let release!: () => void;
  const slow = new Promise<void>((r) => (release = r));
  const started: string[] = [];
  const producer = fakeRole('producer', { plan: () => [{ kind: 'file', path: '/ca.crt', register: 'ca' }] });
  const reader = fakeRole('reader', { plan: (ctx) => (factOf(ctx, 'cp1', 'ca', 'producer'), []) });
  const independent = fakeRole('independent');
  let seen: unknown;
  const w = fakeWorld({
    async script(o) {
      started.push(`${o.ctx.host.name}/${o.role.name}`);
      if (o.role.name === 'producer') {
        await slow;
        return { ok: 1, registered: { ca: 'PEM' } };
      }
      if (o.role.name === 'reader') seen = o.ctx.hostvars('cp1').ca;
      return { ok: 1 };
    },
  });
  const p = await setup('- hosts: control_plane\n  roles: [producer]\n- hosts: w1\n  roles: [reader]\n- hosts: b1\n  roles: [independent]\n', [producer, reader, independent]);
  const running = runPrepared(p, { check: false, diff: false, emit: () => {}, template: noTemplate }, w.deps);
  for (let i = 0; i < 20 && !started.includes('b1/independent'); i++) await new Promise((r) => setImmediate(r));
  t.true(started.includes('b1/independent'), 'b1 reads no fact of cp1: it does not wait');
  t.false(started.includes('w1/reader'), 'w1 reads a fact of cp1: it waits');
  release();
  const r = await running;
  t.is(r.exitCode, 0);
  t.is(seen, 'PEM');
});

test('a slow or failing host does not hold back hosts that read none of its facts', async (t) => {
  let release!: () => void;
  const stuck = new Promise<void>((r) => (release = r));
  const done: string[] = [];
  const w = fakeWorld({
    async script(o) {
      if (o.ctx.host.name === 'cp1') {
        await stuck;
        return { failed: 1, error: new StateError('boom') };
      }
      done.push(`${o.play}/${o.ctx.host.name}`);
      return { ok: 1 };
    },
  });
  const p = await setup('- name: p1\n  hosts: all\n  roles: [a]\n- name: p2\n  hosts: all\n  roles: [a]\n', [fakeRole('a')]);
  const c = collector();
  const running = runPrepared(p, { check: false, diff: false, emit: c.emit, template: noTemplate }, w.deps);
  for (let i = 0; i < 50 && done.length < 6; i++) await new Promise((r) => setImmediate(r));
  t.deepEqual([...done].sort(), ['p1/b1', 'p1/w1', 'p1/w2', 'p2/b1', 'p2/w1', 'p2/w2'], 'the others finished both plays while cp1 is still in p1');
  t.false(c.events.some((e) => e.type === 'play-start' && e.play === 'p2'), 'but p2 is not shown before p1 ends');
  release();
  const r = await running;
  t.is(r.exitCode, 2);
  const p2 = c.events.find((e) => e.type === 'play-start' && e.play === 'p2');
  t.like(p2, { hosts: ['w1', 'w2', 'b1'], outOfRun: ['cp1'] });
});

test('--forks 1 runs one host at a time', async (t) => {
  let running = 0;
  let maxRunning = 0;
  const w = fakeWorld({
    async script() {
      running++;
      maxRunning = Math.max(maxRunning, running);
      await new Promise((r) => setImmediate(r));
      running--;
      return { ok: 1 };
    },
  });
  const p = await setup('- hosts: all\n  roles: [a]\n', [fakeRole('a')]);
  await runPrepared(p, { check: false, diff: false, forks: 1, emit: () => {}, template: noTemplate }, w.deps);
  t.is(maxRunning, 1);
});

test('one transport per host for the whole run: connected once, closed at the end', async (t) => {
  const w = fakeWorld();
  const p = await setup('- hosts: workers\n  roles: [a]\n- hosts: all\n  roles: [a]\n', [fakeRole('a')]);
  await runPrepared(p, { check: false, diff: false, emit: () => {}, template: noTemplate }, w.deps);
  t.deepEqual([...w.connects].sort(), ['b1', 'cp1', 'w1', 'w2']);
  t.deepEqual([...w.closes].sort(), ['b1', 'cp1', 'w1', 'w2']);
});

test('a failed host leaves the run, the others go on, and its notified handlers still run (exit 2)', async (t) => {
  const w = fakeWorld({
    script(o) {
      if (o.ctx.host.name === 'w1' && o.role.name === 'b') return { failed: 1, error: new StateError('refused') };
      return { changed: 1, notified: o.role.name === 'a' ? ['restart'] : [] };
    },
  });
  const a = fakeRole('a', { handlers: () => ({ restart: [] }) });
  const p = await setup('- hosts: workers\n  roles: [a, b, c]\n- hosts: workers\n  roles: [a]\n', [a, fakeRole('b'), fakeRole('c')]);
  const c = collector();
  const r = await runPrepared(p, { check: false, diff: false, emit: c.emit, template: noTemplate }, w.deps);
  t.is(r.exitCode, 2);
  t.deepEqual(w.calls.filter((x) => x.host === 'w1').map((x) => x.role), ['a', 'b']);
  t.deepEqual(w.calls.filter((x) => x.host === 'w2').map((x) => x.role), ['a', 'b', 'c', 'a']);
  t.deepEqual(w.handlerCalls.map((x) => [x.host, x.names]).filter(([h]) => h === 'w1'), [['w1', ['restart']]]);
  t.like(r.recap.w1, { failed: 1, changed: 2 });
  t.truthy(c.events.find((e) => e.type === 'host-failed' && e.host === 'w1' && e.error === 'refused'));
});

test('a host whose role failed and that then became unreachable during handlers counts as both (exit 6, not 4)', async (t) => {
  const w = fakeWorld({
    script: () => ({ failed: 1, error: new StateError('refused'), notified: ['restart'] }),
    handlerScript: (o) => {
      throw new UnreachableError(o.ctx.host.name, 'connection lost while running a command');
    },
  });
  const a = fakeRole('a', { handlers: () => ({ restart: [] }) });
  const p = await setup('- hosts: w1\n  roles: [a]\n', [a]);
  const r = await runPrepared(p, { check: false, diff: false, emit: () => {}, template: noTemplate }, w.deps);
  t.is(r.exitCode, 6);
  t.like(r.recap.w1, { failed: 1, unreachable: 1 });
});

test('handlers run once per host at the end of the play, in the role that defines them', async (t) => {
  const w = fakeWorld({ script: () => ({ changed: 1, notified: ['restart', 'reload'] }) });
  const a = fakeRole('a', { handlers: () => ({ reload: [], restart: [] }) });
  const p = await setup('- hosts: w1\n  roles: [a, b]\n', [a, fakeRole('b')]);
  await runPrepared(p, { check: false, diff: false, emit: () => {}, template: noTemplate }, w.deps);
  t.deepEqual(w.handlerCalls, [{ host: 'w1', role: 'a', play: 'w1', check: false, names: ['reload', 'restart'] }]);
});

test('a notified handler that no role defines fails the host', async (t) => {
  const w = fakeWorld({ script: () => ({ changed: 1, notified: ['nope'] }) });
  const p = await setup('- hosts: w1\n  roles: [a]\n', [fakeRole('a')]);
  const c = collector();
  const r = await runPrepared(p, { check: false, diff: false, emit: c.emit, template: noTemplate }, w.deps);
  t.is(r.exitCode, 2);
  t.truthy(c.events.find((e) => e.type === 'handler' && e.status === 'failed' && /nope/.test(e.error ?? '')));
});

test('an unreachable host is reported, leaves the run, the others go on (exit 4; with a failure 6)', async (t) => {
  const w = fakeWorld({ unreachable: ['w2'] });
  const p = await setup('- hosts: workers\n  roles: [a]\n- hosts: all\n  roles: [a]\n', [fakeRole('a')]);
  const c = collector();
  const r = await runPrepared(p, { check: false, diff: false, emit: c.emit, template: noTemplate }, w.deps);
  t.is(r.exitCode, 4);
  t.is(w.connects.filter((h) => h === 'w2').length, 1);
  t.false(w.calls.some((x) => x.host === 'w2'));
  t.like(r.recap.w2, { unreachable: 1 });
  t.is(c.events.filter((e) => e.type === 'host-unreachable').length, 1);

  const w6 = fakeWorld({ unreachable: ['w2'], script: (o) => (o.ctx.host.name === 'w1' ? { failed: 1, error: new Error('boom') } : { ok: 1 }) });
  const r6 = await runPrepared(p, { check: false, diff: false, emit: () => {}, template: noTemplate }, w6.deps);
  t.is(r6.exitCode, 6);
});

test('--check --detailed-exitcode exits 8 with pending changes, 0 without', async (t) => {
  const p = await setup('- hosts: w1\n  roles: [a]\n', [fakeRole('a')]);
  const changed = fakeWorld({ script: () => ({ changed: 1 }) });
  t.is((await runPrepared(p, { check: true, diff: false, detailedExitcode: true, emit: () => {}, template: noTemplate }, changed.deps)).exitCode, 8);
  t.true(changed.calls.every((c) => c.check));
  t.is((await runPrepared(p, { check: true, diff: false, emit: () => {}, template: noTemplate }, changed.deps)).exitCode, 0);
  const clean = fakeWorld({ script: () => ({ ok: 1 }) });
  t.is((await runPrepared(p, { check: true, diff: false, detailedExitcode: true, emit: () => {}, template: noTemplate }, clean.deps)).exitCode, 0);
});

test('cross-host facts: a later play reads what a role registered on another host', async (t) => {
  let seen: unknown;
  const producer = fakeRole('producer');
  // the plan reads the fact: that is how the run knows to wait for cp1
  const consumer = fakeRole('consumer', { plan: (ctx) => (factOf(ctx, 'cp1', 'ca', 'producer'), []) });
  const w = fakeWorld({
    script(o) {
      if (o.role.name === 'producer') return { ok: 1, registered: { ca: 'PEM' } };
      seen = o.ctx.hostvars('cp1').ca;
      return { ok: 1 };
    },
  });
  const p = await setup('- hosts: control_plane\n  roles: [producer]\n- hosts: workers\n  roles: [consumer]\n', [producer, consumer]);
  await runPrepared(p, { check: false, diff: false, emit: () => {}, template: noTemplate }, w.deps);
  t.is(seen, 'PEM');
});

test('with --limit, hosts outside it run read-only (forced check, no changes counted) only for roles that register facts', async (t) => {
  const producer = fakeRole('producer', { plan: () => [{ kind: 'file', path: '/ca.crt', register: 'ca' }] });
  const other = fakeRole('other', { plan: () => [{ kind: 'file', path: '/x' }] });
  const consumer = fakeRole('consumer', { plan: (ctx) => (ctx.hostvars('cp1').ca, []) });
  let seen: unknown;
  const w = fakeWorld({
    script(o) {
      if (o.role.name === 'producer') return { changed: 1, registered: { ca: 'PEM' } };
      if (o.role.name === 'consumer') seen = o.ctx.hostvars('cp1').ca;
      return { ok: 1 };
    },
  });
  const p = await setup('- hosts: control_plane\n  roles: [producer, other]\n- hosts: control_plane:workers\n  roles: [consumer]\n', [producer, other, consumer], { limit: 'workers' });
  t.deepEqual(p.plays[0]!.readOnly, ['cp1']);
  const c = collector();
  const r = await runPrepared(p, { check: false, diff: false, emit: c.emit, template: noTemplate }, w.deps);
  t.deepEqual(w.calls.filter((x) => x.host === 'cp1').map((x) => [x.role, x.check]), [['producer', true]]);
  t.deepEqual(w.calls.filter((x) => x.host === 'w1').map((x) => [x.role, x.check]), [['consumer', false]]);
  t.is(seen, 'PEM');
  t.like(r.recap.cp1, { changed: 0, ok: 1 });
  t.truthy(c.events.find((e) => e.type === 'play-start' && e.readOnlyHosts.includes('cp1')));
  t.is(r.exitCode, 0);
});

test('--tags and --skip-tags select role entries by play and entry tags', async (t) => {
  const roles = [fakeRole('a'), fakeRole('b'), fakeRole('c')];
  const pb = '- hosts: w1\n  tags: [p]\n  roles:\n    - {role: a, tags: [ta]}\n    - {role: b, tags: [tb]}\n- hosts: w1\n  roles: [c]\n';
  const modes = (p: Awaited<ReturnType<typeof setup>>) => p.plays.map((pp) => pp.roles.map((r) => `${r.entry.name}:${r.mode}`));
  t.deepEqual(modes(await setup(pb, roles, { tags: ['tb'] })), [['a:read', 'b:run'], ['c:skip']]);
  t.deepEqual(modes(await setup(pb, roles, { tags: ['p'] })), [['a:run', 'b:run'], ['c:skip']]);
  t.deepEqual(modes(await setup(pb, roles, { skipTags: ['ta'] })), [['a:read', 'b:run'], ['c:run']]);
});

test('an unknown tag is bad input naming the known tags; special tags are always known', async (t) => {
  const pb = '- hosts: w1\n  tags: [p]\n  roles:\n    - {role: a, tags: [containerd, trust]}\n';
  for (const o of [{ tags: ['contianerd'] }, { skipTags: ['nope'] }]) {
    const e = await t.throwsAsync(setup(pb, [fakeRole('a')], o), { instanceOf: InputError });
    t.regex(e!.describe(), /pb\.yaml: --(skip-)?tags (contianerd|nope): no play or role in the playbook has this tag\n  -> known tags: containerd, p, trust \(and the special tags all, always, never, tagged, untagged\)/);
  }
  await t.notThrowsAsync(setup(pb, [fakeRole('a')], { tags: ['all', 'containerd'], skipTags: ['never'] }));
});

test('--tags: a filtered-out role before a selected one runs read-only where it registers facts (like a host outside --limit)', async (t) => {
  const producer = fakeRole('producer', { plan: () => [{ kind: 'file', path: '/ca.crt', register: 'ca' }] });
  const other = fakeRole('other', { plan: () => [{ kind: 'file', path: '/x' }] });
  const after = fakeRole('after', { plan: () => [{ kind: 'file', path: '/y', register: 'y' }] });
  let seen: unknown;
  const w = fakeWorld({
    script(o) {
      if (o.role.name === 'producer') return { changed: 1, registered: { ca: 'PEM' } };
      if (o.role.name === 'consumer') {
        seen = o.ctx.hostvars('cp1').ca;
        return { changed: 1 };
      }
      return { ok: 1 };
    },
  });
  const pb = '- hosts: control_plane\n  roles: [{role: producer, tags: [pki]}, {role: other, tags: [x]}]\n- hosts: control_plane:workers\n  roles: [{role: consumer, tags: [trust]}]\n- hosts: all\n  roles: [{role: after, tags: [late]}]\n';
  const p = await setup(pb, [producer, other, fakeRole('consumer'), after], { tags: ['trust'] });
  const c = collector();
  const r = await runPrepared(p, { check: true, diff: false, detailedExitcode: true, emit: c.emit, template: noTemplate }, w.deps);
  t.deepEqual(w.calls.map((x) => `${x.host}/${x.role}/${x.check}`).sort(), ['cp1/consumer/true', 'cp1/producer/true', 'w1/consumer/true', 'w2/consumer/true']);
  t.is(seen, 'PEM');
  t.like(r.recap.cp1, { changed: 1, ok: 1 }, 'the read-only producer changes nothing: its planned change is only ok');
  t.is(r.exitCode, 8, 'the drift gate sees the selected role\'s changes');
  t.truthy(c.events.find((e) => e.type === 'play-start' && e.readOnlyHosts.includes('cp1') && e.hosts.length === 0));
  t.false(c.events.some((e) => e.type === 'play-start' && e.play === 'all'), 'a play with every role filtered out (and nothing selected after it) is not run');

  // Apply: the read-only producer is still forced into check and registers the real state.
  const applied = fakeWorld({ script: (o) => (o.role.name === 'producer' ? { changed: 1, registered: { ca: 'PEM' } } : { ok: 1 }) });
  const opts: Array<{ role: string; check: boolean; registerPlanned?: boolean; readOnly?: boolean }> = [];
  const deps = { ...applied.deps, executeRole: (o: Parameters<typeof applied.deps.executeRole>[0]) => (opts.push({ role: o.role.name, check: o.check, registerPlanned: o.registerPlanned, readOnly: o.readOnly }), applied.deps.executeRole(o)) };
  const ra = await runPrepared(p, { check: false, diff: false, emit: () => {}, template: noTemplate }, deps);
  t.deepEqual(opts.find((x) => x.role === 'producer'), { role: 'producer', check: true, registerPlanned: false, readOnly: true });
  t.like(opts.find((x) => x.role === 'consumer'), { check: false, readOnly: false });
  t.is(ra.exitCode, 0);
});

test('--tags with drift only in a read-only role: the drift gate stays 0', async (t) => {
  const producer = fakeRole('producer', { plan: () => [{ kind: 'file', path: '/ca.crt', register: 'ca' }] });
  const w = fakeWorld({ script: (o) => (o.role.name === 'producer' ? { changed: 1, registered: { ca: 'PEM' } } : { ok: 1 }) });
  const p = await setup('- hosts: control_plane\n  roles: [{role: producer, tags: [pki]}, {role: consumer, tags: [trust]}]\n', [producer, fakeRole('consumer')], { tags: ['trust'] });
  const r = await runPrepared(p, { check: true, diff: false, detailedExitcode: true, emit: () => {}, template: noTemplate }, w.deps);
  t.is(r.exitCode, 0);
});

test('an executor that throws fails only that host', async (t) => {
  const w = fakeWorld({
    script(o) {
      if (o.ctx.host.name === 'w1') throw new Error('bug');
      return { ok: 1 };
    },
  });
  const p = await setup('- hosts: workers\n  roles: [a]\n', [fakeRole('a')]);
  const r = await runPrepared(p, { check: false, diff: false, emit: () => {}, template: noTemplate }, w.deps);
  t.is(r.exitCode, 2);
  t.like(r.recap.w2, { ok: 1, failed: 0 });
});

test('--limit @file reads one pattern per line', async (t) => {
  const p = await setup('- hosts: all\n  roles: [a]\n', [fakeRole('a')], { limit: '@retry.txt', files: { 'retry.txt': 'w1\nb1\n' } });
  t.deepEqual(p.plays[0]!.targets, ['w1', 'b1']);
  await t.throwsAsync(setup('- hosts: all\n  roles: [a]\n', [fakeRole('a')], { limit: '@missing.txt' }), { instanceOf: InputError, message: /cannot read/ });
});

test('an InputError from a role at run time names where the variable was set', async (t) => {
  const w = fakeWorld({ script: () => ({ failed: 1, error: new InputError('role a: variable registry_port = "x": must be 1-65535') }) });
  const p = await setup('- hosts: w1\n  vars:\n    registry_port: x\n  roles: [a]\n', [fakeRole('a')]);
  const c = collector();
  await runPrepared(p, { check: false, diff: false, emit: c.emit, template: noTemplate }, w.deps);
  const failed = c.events.find((e) => e.type === 'host-failed');
  t.regex(failed && failed.type === 'host-failed' ? failed.error : '', /pb\.yaml:3:5: role a: variable registry_port = "x"/);
});

test('with --limit, a play whose roles register nothing skips the hosts outside the limit entirely', async (t) => {
  const other = fakeRole('other', { plan: () => [{ kind: 'file', path: '/x' }] });
  const w = fakeWorld();
  const p = await setup('- hosts: all\n  roles: [other]\n', [other], { limit: 'w1' });
  const c = collector();
  await runPrepared(p, { check: false, diff: false, emit: c.emit, template: noTemplate }, w.deps);
  t.deepEqual(w.connects, ['w1']);
  const { time, ...playStart } = c.events.find((e) => e.type === 'play-start') as EngineEvent & { time: string };
  t.deepEqual(playStart, { type: 'play-start', play: 'all', hosts: ['w1'], readOnlyHosts: [] });
  t.regex(time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
});

test('the recap lists only hosts some play ran on', async (t) => {
  const other = fakeRole('other', { plan: () => [{ kind: 'file', path: '/x' }] });
  const p = await setup('- hosts: all\n  roles: [other]\n', [other], { limit: 'w1' });
  const r = await runPrepared(p, { check: false, diff: false, emit: () => {}, template: noTemplate }, fakeWorld().deps);
  t.deepEqual(Object.keys(r.recap), ['w1']);
});

test('a host in several groups runs each role once per play; the recap (and its PLAY RECAP line) counts it once', async (t) => {
  const files = {
    'inv.yaml': 'all:\n  children:\n    control_plane:\n      hosts:\n        cp1: {host: 127.0.0.1}\n    workers:\n      hosts:\n        cp1:\n        w1: {host: 127.0.0.2}\n    build:\n      hosts:\n        cp1:\n',
  };
  const w = fakeWorld();
  const p = await setup('- name: p1\n  hosts: control_plane:workers:build\n  roles: [a, b]\n- name: p2\n  hosts: workers:all\n  roles: [a]\n', [fakeRole('a'), fakeRole('b')], { files });
  const lines: string[] = [];
  const human = humanReporter({ write: (s) => lines.push(s), tty: false, verbose: false, diff: false });
  const r = await runPrepared(p, { check: false, diff: false, emit: human, template: noTemplate }, w.deps);
  t.is(r.exitCode, 0);
  t.deepEqual(w.calls.filter((c) => c.host === 'cp1').map((c) => `${c.play}/${c.role}`), ['p1/a', 'p1/b', 'p2/a']);
  t.deepEqual(w.connects, ['cp1', 'w1']);
  t.deepEqual(Object.keys(r.recap), ['cp1', 'w1']);
  t.like(r.recap.cp1, { ok: 3, changed: 0, failed: 0 });
  t.is(lines.join('').split('\n').filter((l) => l.startsWith('cp1 : ')).length, 1);
});

test('a play naming a group the inventory lacks skips it with a one-line notice; a play left without hosts is skipped', async (t) => {
  const files = { 'inv.yaml': 'all:\n  children:\n    control_plane:\n      hosts:\n        cp1: {host: 127.0.0.1}\n' };
  const w = fakeWorld();
  const p = await setup('- name: nodes\n  hosts: control_plane:workers:build\n  roles: [a]\n- name: builders\n  hosts: build\n  roles: [a]\n', [fakeRole('a')], { files });
  t.deepEqual(p.plays.map((pp) => pp.absent), [['workers', 'build'], ['build']]);
  const c = collector();
  const lines: string[] = [];
  const human = humanReporter({ write: (s) => lines.push(s), tty: false, verbose: false, diff: false });
  const r = await runPrepared(p, { check: false, diff: false, emit: (e) => (c.emit(e), human(e)), template: noTemplate }, w.deps);
  t.is(r.exitCode, 0);
  t.deepEqual(w.calls.map((x) => `${x.play}/${x.host}`), ['nodes/cp1']);
  t.like(c.events.filter((e) => e.type === 'play-start'), [{ hosts: ['cp1'], absent: ['workers', 'build'] }, { hosts: [], absent: ['build'] }]);
  const out = lines.join('');
  t.regex(out, /PLAY \[nodes\] \*+\nskipping workers, build: the inventory has no 'workers', 'build'\n/);
  t.regex(out, /PLAY \[builders\] \*+\nskipping: no hosts matched \(the inventory has no 'build'\)\n\n/);
});

// The consumer runs through the real executor: its plan throws the PendingFactError the real roles throw.
const consumer = fakeRole('consumer', {
  plan: (ctx) => {
    factOf(ctx, 'cp1', 'ca', 'producer');
    return [];
  },
});
const producer = fakeRole('producer', { plan: () => [{ kind: 'file', path: '/ca.crt', register: 'ca' }] });
const blockingPlaybook = '- hosts: control_plane\n  roles: [producer]\n- hosts: control_plane:workers\n  roles: [consumer]\n';
function realConsumer(w: ReturnType<typeof fakeWorld>) {
  return { ...w.deps, executeRole: (o: Parameters<typeof executeRole>[0]) => (o.role.name === 'consumer' ? executeRole(o) : w.deps.executeRole(o)) };
}

for (const check of [false, true]) {
  test(`hosts waiting for facts of a failed producer are blocked by it, not failed: one cause, one failure (exit 2${check ? ', --check' : ''})`, async (t) => {
    const w = fakeWorld({ script: (o) => (o.role.name === 'producer' ? { failed: 1, error: new StateError('cp1: role producer, step kubectl: exit 127: kubectl: not found') } : { ok: 1 }) });
    const p = await setup(blockingPlaybook, [producer, consumer]);
    const c = collector();
    const r = await runPrepared(p, { check, diff: false, detailedExitcode: check, emit: c.emit, template: noTemplate }, realConsumer(w));
    t.is(r.exitCode, 2);
    t.like(r.recap.cp1, { failed: 1, blocked: 0 });
    for (const h of ['w1', 'w2']) t.like(r.recap[h], { failed: 0, blocked: 1, blockedBy: 'cp1' }, h);
    t.deepEqual(c.events.filter((e) => e.type === 'host-failed').map((e) => e.host), ['cp1']);
    const blocked = c.events.filter((e) => e.type === 'host-blocked');
    t.deepEqual(blocked.map((e) => e.host).sort(), ['w1', 'w2']);
    for (const e of blocked) {
      t.like(e, { by: 'cp1', role: 'consumer', reason: 'cp1: role producer, step kubectl: exit 127: kubectl: not found', waitsFor: 'fact ca from cp1 is not available' });
    }
    t.false(c.events.some((e) => e.type === 'step' && e.status === 'failed' && e.host !== 'cp1'), 'no failed step on a blocked host');
  });
}

test('an unreachable producer blocks its consumers (exit 4), and a host blocked by a blocked host names the root', async (t) => {
  const middle = fakeRole('middle', {
    plan: (ctx) => {
      factOf(ctx, 'cp1', 'ca', 'producer');
      return [{ kind: 'file', path: '/m', register: 'm' }];
    },
  });
  const last = fakeRole('last', {
    plan: (ctx) => {
      factOf(ctx, 'w1', 'm', 'middle');
      return [];
    },
  });
  const w = fakeWorld({ unreachable: ['cp1'] });
  const p = await setup('- hosts: control_plane\n  roles: [producer]\n- hosts: w1\n  roles: [middle]\n- hosts: b1\n  roles: [last]\n', [producer, middle, last]);
  const c = collector();
  const r = await runPrepared(p, { check: false, diff: false, emit: c.emit, template: noTemplate }, { ...w.deps, executeRole: (o) => (o.role.name === 'producer' ? w.deps.executeRole(o) : executeRole(o)) });
  t.is(r.exitCode, 4);
  t.like(r.recap.w1, { blocked: 1, blockedBy: 'cp1', failed: 0 });
  t.like(r.recap.b1, { blocked: 1, blockedBy: 'cp1', failed: 0 });
  const b1 = c.events.find((e) => e.type === 'host-blocked' && e.host === 'b1');
  t.like(b1, { by: 'cp1', waitsFor: 'fact m from w1 is not available' });
  t.regex(b1 && b1.type === 'host-blocked' ? b1.reason : '', /^unreachable: cp1: connect ECONNREFUSED/);
});

test('a missing fact whose producer did not fail is still a failure of the waiting host', async (t) => {
  const p = await setup('- hosts: workers\n  roles: [consumer]\n', [consumer]);
  const c = collector();
  const r = await runPrepared(p, { check: false, diff: false, emit: c.emit, template: noTemplate }, realConsumer(fakeWorld()));
  t.is(r.exitCode, 2);
  t.like(r.recap.w1, { failed: 1, blocked: 0 });
  t.false(c.events.some((e) => e.type === 'host-blocked'));
});

test('a role that runs on the controller (runsOn) gets one local transport named controller; events still name the host', async (t) => {
  const seen: Array<{ role: string; host: string; transport: string }> = [];
  const onController = fakeRole('k', { runsOn: (ctx) => (ctx.vars.from === 'controller' ? 'controller' : 'host') });
  const p = await setup('- hosts: control_plane:workers\n  roles: [k, n]\n', [onController, fakeRole('n')], { extraVars: ['from=controller'] });
  const w = fakeWorld({ script: (o) => (seen.push({ role: o.role.name, host: o.ctx.host.name, transport: o.transport.host }), { ok: 1 }) });
  const connectParams: string[] = [];
  const connect = w.deps.connect;
  w.deps.connect = (c) => (connectParams.push(`${c.name}:${c.transport}`), connect(c));
  const { emit } = collector();
  const r = await runPrepared(p, { check: false, diff: false, emit, template: noTemplate }, w.deps);
  t.is(r.exitCode, 0);
  t.deepEqual(seen.filter((s) => s.host === 'cp1'), [{ role: 'k', host: 'cp1', transport: 'controller' }, { role: 'n', host: 'cp1', transport: 'cp1' }]);
  t.is(seen.length, 2 * 3);
  for (const s of seen) t.is(s.transport, s.role === 'k' ? 'controller' : s.host, `${s.role} on ${s.host}`);
  t.is(connectParams.filter((c) => c === 'controller:local').length, 1, 'one controller transport for the run');
  t.true(w.closes.includes('controller'));
});

test('an abort ends the run at once: run-end with the recap so far and exit 130, nothing emitted after it, no new role started', async (t) => {
  let release!: () => void;
  const stuck = new Promise<void>((r) => (release = r));
  const controller = new AbortController();
  const w = fakeWorld({
    async script(o) {
      if (o.role.name === 'slow') {
        controller.abort('SIGINT');
        await stuck;
      }
      return { changed: 1 };
    },
  });
  const p = await setup('- hosts: w1\n  roles: [a, slow, b]\n', [fakeRole('a'), fakeRole('slow'), fakeRole('b')]);
  const c = collector();
  const r = await runPrepared(p, { check: false, diff: false, emit: c.emit, signal: controller.signal, template: noTemplate }, w.deps);
  t.is(r.exitCode, 130);
  t.like(r.recap.w1, { changed: 1 });
  const end = c.events.at(-1)!;
  t.like(end, { type: 'run-end', exitCode: 130, aborted: { reason: 'interrupted' } });
  release();
  await new Promise((res) => setTimeout(res, 20));
  t.is(c.events.at(-1), end, 'the abandoned role reports nothing after run-end');
  t.deepEqual(w.calls.map((x) => x.role), ['a', 'slow'], 'b never started');
});

test('warmUp: once per role that runs on some host, before the first connection; not for a role --tags leaves out (even one read for its facts)', async (t) => {
  const log: string[] = [];
  const w = fakeWorld();
  const connect = w.deps.connect;
  w.deps = { ...w.deps, connect: (c) => (log.push(`connect ${c.name}`), connect(c)) };
  const role = (name: string) => fakeRole(name, { warmUp: () => void log.push(`warm ${name}`) });
  const pb = '- hosts: workers\n  roles: [a, {role: skipped, tags: [never]}]\n- hosts: all\n  roles: [a]\n- hosts: nobody_here\n  roles: [absent]\n';
  const p = await setup(pb, [role('a'), role('skipped'), role('absent')], { skipTags: ['never'], files: { 'inv.yaml': `${labInventory}    nobody_here:\n      hosts: {}\n` } });
  await runPrepared(p, { check: false, diff: false, emit: () => {}, template: noTemplate }, w.deps);
  t.deepEqual(log.filter((l) => l.startsWith('warm')), ['warm a']);
  t.is(log[0], 'warm a', 'before any connection');
  t.true(log.some((l) => l.startsWith('connect')));
});

// play verify under `container_runtime: auto`: node-trust's detection runs first on each such host;
// where nothing is found, that host's check fails (exit 2) naming what was looked for, as node-trust
// fails it; the other hosts are checked as usual. A fake transport answers the detection script.
// On real hosts: the w3 case of test/integration/node-trust.test.ts (binaries hidden there).
import test from 'ava';
import type { ConnectionParams } from '../../src/engine/load/inventory.js';
import type { EngineEvent } from '../../src/engine/events.js';
import { ProbeSession } from '../../src/engine/run/probe.js';
import { LOOKED_FOR } from '../../src/facts/container-runtimes.js';
import type { Transport } from '../../src/transports/types.js';
import { formatTable } from '../../src/verify/table.js';
import { detectProbe } from '../../src/verify/verify.js';

test('nothing found on w1: its check fails naming what was looked for and what to do (exit 2); w2 with CRI-O passes', async (t) => {
  const found: Record<string, string> = { w1: '', w2: 'runtime crio\nunit k3s\n' };
  const events: EngineEvent[] = [];
  const connect = (c: ConnectionParams): Transport => ({
    host: c.name,
    user: 'root',
    roundTrips: 0,
    connect: async () => {},
    exec: async (command) => ({ code: 0, stdout: command.includes('command -v crio') ? found[c.name]! : '', stderr: '' }),
    close: async () => {},
  });
  const hosts = ['w1', 'w2'];
  const session = new ProbeSession({ title: 'verify', hosts, connections: new Map(hosts.map((h) => [h, { name: h, host: h, hostKeyChecking: 'strict' } as ConnectionParams])), connect, emit: (e) => events.push(e), role: 'verify' });
  const results = await session.phase('container runtimes', new Map(hosts.map((h) => [h, [detectProbe]])));
  t.is(await session.end(), 2);
  t.like(results.get('w1')![0], { status: 'failed' });
  t.is(results.get('w1')![0]!.message, `container_runtime: auto found no container runtime; looked for ${LOOKED_FOR} — install the runtime first, or set container_runtime for this host (containerd, crio, docker, k3s, rke2, microk8s)`);
  t.like(results.get('w2')![0], { status: 'ok', message: 'crio', facts: { runtimes: 'crio' } });
  t.regex(detectProbe.command, /^sh -c '/, 'under sh, as node-trust\'s fact runs it (not the login shell)');
  const steps = events.filter((e): e is Extract<EngineEvent, { type: 'step' }> => e.type === 'step');
  t.deepEqual(steps.map((s) => [s.host, s.status]).sort(), [['w1', 'failed'], ['w2', 'ok']]);
  const end = events.find((e): e is Extract<EngineEvent, { type: 'run-end' }> => e.type === 'run-end')!;
  t.is(end.recap.w1!.failed, 1);
  t.is(end.recap.w2!.failed, 0);
});

test('the table: a host where nothing was found is a row of its own ("none found"), its reason listed under the table', (t) => {
  const text = formatTable(
    [{ host: 'w2', runtime: 'crio', results: ['dns', 'tcp', 'config', 'tls', 'cert', 'auth', 'pull'].map((id) => ({ id, label: id, status: 'ok' as const })) }],
    [{ host: 'w1', message: 'container_runtime: auto found no container runtime; looked for …' }],
  );
  t.regex(text, /^w2\s+crio(\s+ok){7}$/m);
  t.regex(text, /^w1\s+none found(\s+-){7}$/m);
  t.regex(text, /^ {2}w1: container_runtime: auto found no container runtime; looked for …$/m);
  t.regex(formatTable([], [{ host: 'w1', message: 'x' }]), /^w1\s+none found/m, 'the table is printed when it is the only host');
});

// play verify's exit code (the probe session's): 0 when every check passed (a warning included), 2
// when a check failed, 4 when a host was unreachable, 6 both — the "0 all pass, 2 otherwise"
// for the checks, with unreachable hosts kept apart as in `play` (README, `play verify`).
import test from 'ava';
import { UnreachableError } from '../../src/errors.js';
import type { ConnectionParams } from '../../src/engine/load/inventory.js';
import { ProbeSession, type Probe } from '../../src/engine/run/probe.js';
import type { Transport } from '../../src/transports/types.js';

const params = (name: string) => ({ name, host: name, hostKeyChecking: 'strict' }) as ConnectionParams;

function session(down: string[]) {
  const hosts = ['w1', 'w2'];
  const connect = (c: ConnectionParams): Transport => ({
    host: c.name,
    user: 'root',
    roundTrips: 0,
    connect: async () => {
      if (down.includes(c.name)) throw new UnreachableError(c.name, 'connection refused');
    },
    exec: async (command) => ({ code: command === 'false' ? 1 : 0, stdout: '', stderr: '' }),
    close: async () => {},
  });
  return new ProbeSession({ title: 'verify', hosts, connections: new Map(hosts.map((h) => [h, params(h)])), connect, emit: () => {}, role: 'verify' });
}

const check = (command: string, warn = false): Probe => ({
  id: command,
  label: command,
  command,
  judge: (r) => (r.code === 0 ? { status: 'ok', ...(warn ? { message: 'WARNING: 12 days left', facts: { warning: 'yes' } } : {}) } : { status: 'failed', message: 'TLS: …' }),
});

const run = async (down: string[], w2: Probe[]) => {
  const s = session(down);
  await s.phase('verify', new Map([['w1', [check('true', true)]], ['w2', w2]]));
  return s.end();
};

test('0 all passed (a warning too), 2 a check failed, 4 a host unreachable, 6 both', async (t) => {
  t.is(await run([], [check('true')]), 0);
  t.is(await run([], [check('false')]), 2);
  t.is(await run(['w2'], [check('true')]), 4);
  const both = session(['w2']);
  await both.phase('verify', new Map([['w1', [check('false')]], ['w2', [check('true')]]]));
  t.is(await both.end(), 6);
});

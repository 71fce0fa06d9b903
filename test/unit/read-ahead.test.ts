// Read-ahead on this machine (local transport): the first read takes what lies ahead along, later
// roles read from it without an exec, anything else run on the connection makes it stale, and the
// guesses for a role that cannot plan yet.
import test from 'ava';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PendingFactError } from '../../src/errors.js';
import { executeRole } from '../../src/engine/run/executor.js';
import { expectedReads } from '../../src/engine/run/expected-reads.js';
import { attachReadAhead, ReadAhead } from '../../src/engine/run/read-ahead.js';
import type { ReadItem } from '../../src/engine/run/read-script.js';
import type { Role, RoleContext } from '../../src/resources/role.js';
import { LocalTransport } from '../../src/transports/local.js';

const dir = mkdtempSync(join(tmpdir(), 'regplay-ahead-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

const ctx: RoleContext = { host: { name: 'local', groups: [] }, vars: {}, hostvars: () => ({}), groups: {}, template: () => '' };
const fileRole = (name: string, path: string, content: string): Role => ({ name, plan: () => [{ kind: 'file', path, content }] });
const run = (transport: LocalTransport, role: Role) => executeRole({ transport, role, ctx, play: 'p', check: false, diff: false, emit: () => {}, stateDir: join(dir, 'state') });

test('the first read takes the later roles\' reads along: they cost no exec until something else runs on the connection', async (t) => {
  const a = join(dir, 'a');
  const b = join(dir, 'b');
  writeFileSync(a, 'A\n');
  writeFileSync(b, 'B\n');
  const transport = new LocalTransport({ host: 'local' });
  const roleA = fileRole('a', a, 'A\n');
  const roleB = fileRole('b', b, 'B\n');
  const stale = fileRole('b-changed', b, 'B2\n');
  attachReadAhead(transport, new ReadAhead(transport, () => [...expectedReads(roleA, ctx), ...expectedReads(roleB, ctx)]));
  t.like(await run(transport, roleA), { ok: 1, changed: 0 });
  t.is(transport.roundTrips, 1);
  t.like(await run(transport, roleB), { ok: 1, changed: 0 }, 'b was read with a');
  t.is(transport.roundTrips, 1, 'no exec for b');
  // An apply is another exec: what was read before may be stale, so the next role reads again.
  t.like(await run(transport, stale), { changed: 1 });
  t.is(transport.roundTrips, 2, 'b-changed planned from the read-ahead record, then applied');
  t.like(await run(transport, roleB), { changed: 1 }, 'b is read again after the apply: it holds B2 now');
  t.is(transport.roundTrips, 4);
});

test('a role that waits for a fact: its expectedReads, else its declared files and their two nearest directories', (t) => {
  const waiting = (extra: Partial<Role>): Role => ({
    name: 'w',
    plan: () => {
      throw new PendingFactError('fact ca from cp1 is not available', 'run certs first', 'cp1');
    },
    ...extra,
  });
  const kinds = (items: ReadItem[]) => items.map((i) => ('path' in i ? `${i.kind} ${i.path}` : i.kind));
  t.deepEqual(kinds(expectedReads(waiting({ files: () => ['/etc/x/certs.d/r/ca.crt'] }), ctx)), ['file /etc/x/certs.d/r/ca.crt', 'dir /etc/x/certs.d/r', 'dir /etc/x/certs.d']);
  t.deepEqual(kinds(expectedReads(waiting({ files: () => ['/f'], expectedReads: () => [{ kind: 'directory', path: '/d' }] }), ctx)), ['dir /d']);
  const handlers = expectedReads(waiting({ files: () => ['/f'], handlers: () => ({ restart: [] }) }), ctx);
  t.like(handlers.at(-1), { kind: 'markers', names: ['restart'] }, 'pending-handler markers are read ahead too');
  t.deepEqual(expectedReads(waiting({}), ctx), [], 'nothing known: nothing read ahead');
});

// Writes go through symlinks the way reads do when root's own directories hold the links (see
// src/engine/kinds/safe-path.ts): the link's target is edited, the link stays a link.
import test from 'ava';
import { lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LocalTransport } from '../../src/transports/local.js';
import { roleOf, run } from './executor-helpers.js';
import { tempDirs } from '../helpers/temp-dirs.js';

const tempDir = tempDirs('regplay-link-');

test('a symlinked file (target in another directory) is edited through the link; the link stays a link', async (t) => {
  const dir = tempDir();
  mkdirSync(join(dir, 'real'));
  mkdirSync(join(dir, 'etc'));
  const target = join(dir, 'real', 'app.conf');
  const link = join(dir, 'etc', 'app.conf');
  writeFileSync(target, 'a=1\n');
  symlinkSync('../real/app.conf', link);
  const role = roleOf(() => [{ kind: 'file', path: link, edit: (cur) => (cur?.includes('b=2') ? cur : `${cur ?? ''}b=2\n`), backup: true }]);
  const transport = new LocalTransport({ host: 'local' });
  const first = await run(transport, role, false);
  t.is(first.outcome.changed, 1, JSON.stringify(first.steps));
  t.true(lstatSync(link).isSymbolicLink());
  t.is(readlinkSync(link), '../real/app.conf');
  t.is(readFileSync(target, 'utf8'), 'a=1\nb=2\n');
  const besideTarget = readdirSync(join(dir, 'real'));
  t.is(besideTarget.length, 2, `the target and its backup, no temp file: ${besideTarget}`);
  const backup = besideTarget.find((n) => n.startsWith('app.conf.') && n.endsWith('~'));
  t.truthy(backup, 'backup beside the target');
  t.is(readFileSync(join(dir, 'real', backup!), 'utf8'), 'a=1\n', 'the backup holds the old content');
  t.deepEqual(readdirSync(join(dir, 'etc')), ['app.conf'], 'nothing beside the link');
  const again = await run(transport, role, false);
  t.is(again.outcome.changed, 0);
});

test('a chain of links is followed to the final target', async (t) => {
  const dir = tempDir();
  const target = join(dir, 'final');
  writeFileSync(target, 'old\n');
  symlinkSync(target, join(dir, 'middle'));
  symlinkSync(join(dir, 'middle'), join(dir, 'front'));
  await run(new LocalTransport({ host: 'local' }), roleOf(() => [{ kind: 'file', path: join(dir, 'front'), content: 'new\n' }]), false);
  t.true(lstatSync(join(dir, 'front')).isSymbolicLink());
  t.true(lstatSync(join(dir, 'middle')).isSymbolicLink());
  t.is(readFileSync(target, 'utf8'), 'new\n');
});

// The files the CLI writes on this machine (--json, --junit, --render) keep the hosts' rule for links
// (src/local-file.ts): a link another user planted on the way is refused before anything runs (exit
// 3); a link at the file's own name is replaced by the new file, never written through.
import test from 'ava';
import { lstatSync, readFileSync, readdirSync, statSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../src/cli/cli.js';
import { plantedLink, writeLocalFile } from '../../src/local-file.js';
import { PASSWD, plant, plantedScenes } from '../helpers/planted.js';

const root = process.getuid?.() === 0;
const rootTest = root ? test : test.skip;
/** Root-only `dir` with nobody's `home` (where nobody plants links) and root's `etc/passwd`. */
const scene = plantedScenes('regplay-local-');

rootTest('--json into a directory another user linked elsewhere: exit 3 naming the path and the link, nothing written', async (t) => {
  const s = scene();
  plant(s.etc, join(s.home, 'reports'));
  let stderr = '';
  const io = { stdout: { write: () => {} }, stderr: { write: (x: string) => (stderr += x) }, cwd: s.dir, env: {} };
  const code = await runCli(['site.yaml', '--json', join(s.home, 'reports', 'run.json')], io);
  t.is(code, 3, stderr);
  t.true(stderr.includes(`--json: refusing ${s.home}/reports/run.json: ${s.home}/reports is a symbolic link (to ${s.etc}) in ${s.home}`), stderr);
  t.deepEqual(readdirSync(s.etc), ['passwd']);
});

rootTest('a link at the report name itself is replaced by the report, its target untouched', (t) => {
  const s = scene();
  const report = join(s.home, 'run.json');
  plant(join(s.etc, 'passwd'), report);
  writeLocalFile(report, '{"ok":true}\n');
  t.false(lstatSync(report).isSymbolicLink());
  t.is(readFileSync(report, 'utf8'), '{"ok":true}\n');
  t.is(readFileSync(join(s.etc, 'passwd'), 'utf8'), PASSWD);
  t.is((statSync(join(s.etc, 'passwd')).mode & 0o7777).toString(8), '644');
  t.deepEqual(readdirSync(s.home), ['run.json'], 'no temp file left');
});

rootTest('links root made in root-only directories are followed', (t) => {
  const s = scene();
  symlinkSync(s.etc, join(s.dir, 'etc-link'));
  t.is(plantedLink(join(s.dir, 'etc-link', 'x.json')), undefined);
  writeLocalFile(join(s.dir, 'etc-link', 'x.json'), 'x\n', 0o600);
  t.is(readFileSync(join(s.etc, 'x.json'), 'utf8'), 'x\n');
  t.is((statSync(join(s.etc, 'x.json')).mode & 0o7777).toString(8), '600');
});

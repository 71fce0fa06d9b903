// The files the CLI writes on this machine (--json, --junit, --render) keep the hosts' rule for links
// (src/local-file.ts): a link another user planted on the way is refused before anything runs (exit
// 3); a link at the file's own name is replaced by the new file, never written through.
import test from 'ava';
import { chownSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, lchownSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../src/cli/cli.js';
import { plantedLink, writeLocalFile } from '../../src/local-file.js';

const NOBODY = 65534;
const root = process.getuid?.() === 0;
const rootTest = root ? test : test.skip;
const dirs: string[] = [];
test.after.always(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** Root-only `dir` (mkdtemp) with nobody's `shared` (as /tmp would be for them) and root's `etc/passwd`. */
function scene() {
  const dir = mkdtempSync(join(tmpdir(), 'regplay-local-'));
  dirs.push(dir);
  const shared = join(dir, 'shared');
  const etc = join(dir, 'etc');
  mkdirSync(shared, { mode: 0o755 });
  chownSync(shared, NOBODY, NOBODY);
  mkdirSync(etc, { mode: 0o755 });
  writeFileSync(join(etc, 'passwd'), 'root:x:0:0\n', { mode: 0o644 });
  return { dir, shared, etc };
}

rootTest('--json into a directory another user linked elsewhere: exit 3 naming the path and the link, nothing written', async (t) => {
  const s = scene();
  symlinkSync(s.etc, join(s.shared, 'reports'));
  lchownSync(join(s.shared, 'reports'), NOBODY, NOBODY);
  let stderr = '';
  const io = { stdout: { write: () => {} }, stderr: { write: (x: string) => (stderr += x) }, cwd: s.dir, env: {} };
  const code = await runCli(['site.yaml', '--json', join(s.shared, 'reports', 'run.json')], io);
  t.is(code, 3, stderr);
  t.true(stderr.includes(`--json: refusing ${s.shared}/reports/run.json: ${s.shared}/reports is a symbolic link (to ${s.etc}) in ${s.shared}`), stderr);
  t.deepEqual(readdirSync(s.etc), ['passwd']);
});

rootTest('a link at the report name itself is replaced by the report, its target untouched', (t) => {
  const s = scene();
  const report = join(s.shared, 'run.json');
  symlinkSync(join(s.etc, 'passwd'), report);
  lchownSync(report, NOBODY, NOBODY);
  writeLocalFile(report, '{"ok":true}\n');
  t.false(lstatSync(report).isSymbolicLink());
  t.is(readFileSync(report, 'utf8'), '{"ok":true}\n');
  t.is(readFileSync(join(s.etc, 'passwd'), 'utf8'), 'root:x:0:0\n');
  t.is((statSync(join(s.etc, 'passwd')).mode & 0o7777).toString(8), '644');
  t.deepEqual(readdirSync(s.shared), ['run.json'], 'no temp file left');
});

rootTest('links root made in root-only directories are followed', (t) => {
  const s = scene();
  symlinkSync(s.etc, join(s.dir, 'etc-link'));
  t.is(plantedLink(join(s.dir, 'etc-link', 'x.json')), undefined);
  writeLocalFile(join(s.dir, 'etc-link', 'x.json'), 'x\n', 0o600);
  t.is(readFileSync(join(s.etc, 'x.json'), 'utf8'), 'x\n');
  t.is((statSync(join(s.etc, 'x.json')).mode & 0o7777).toString(8), '600');
});

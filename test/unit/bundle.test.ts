// The bundled CLI (scripts/build.mjs) keeps its lazy loading: `play --help` loads the CLI only —
// not the engine, yaml, zod or the SSH client, which live in chunks of their own.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { repoRoot } from '../helpers/play.js';

// Records every file the process imports (module hooks run off the main thread: append to a file).
const HOOKS = `
import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  if (r.url.startsWith('file:')) appendFileSync(process.env.LOADED_LOG, r.url + '\\n');
  return r;
}`;

test('play --help from the bundle loads the CLI (commander) but not the engine, yaml, zod or node-ssh', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'bundle-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  copyFileSync(join(repoRoot, 'package.json'), join(dir, 'package.json'));
  symlinkSync(join(repoRoot, 'node_modules'), join(dir, 'node_modules'));
  const { bundleOptions } = (await import('../../scripts/build.mjs')) as { bundleOptions: (outdir: string) => Parameters<typeof build>[0] };
  await build({ ...bundleOptions(join(dir, 'dist')), logLevel: 'silent' });
  writeFileSync(join(dir, 'hooks.mjs'), HOOKS);
  writeFileSync(join(dir, 'register.mjs'), "import { register } from 'node:module';\nregister('./hooks.mjs', import.meta.url);\n");
  const log = join(dir, 'loaded.log');
  writeFileSync(log, '');

  const r = spawnSync(process.execPath, ['--import', join(dir, 'register.mjs'), join(dir, 'dist/src/cli/main.js'), '--help'], { encoding: 'utf8', env: { ...process.env, LOADED_LOG: log } });
  t.is(r.status, 0, r.stderr);
  t.regex(r.stdout, /^Usage: play /);
  const loaded = [...new Set(readFileSync(log, 'utf8').split('\n').filter(Boolean))].map((u) => fileURLToPath(u));
  const text = loaded.filter((f) => f.startsWith(join(dir, 'dist'))).map((f) => readFileSync(f, 'utf8')).join('\n');
  t.regex(text, /node_modules\/commander\//, 'the bundled packages are visible in what was loaded');
  for (const absent of ['function runPrepared(', 'function prepare(', 'node_modules/yaml/', 'node_modules/zod/', 'node_modules/node-ssh/']) {
    t.false(text.includes(absent), `play --help loaded ${absent}`);
  }
  t.false(loaded.some((f) => f.includes('/node_modules/ssh2/')), 'ssh2 was loaded');
});

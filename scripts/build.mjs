// `npm run build` (and `prepare`): tsc checks the types and writes the declarations the package
// exports; esbuild bundles the JavaScript. Loading some 330 modules (the CLI, engine, roles, yaml,
// zod, ...) one file at a time was about 12% of the CPU of a short run; the bundle is a few files.
// Entry points keep the paths the rest of the package uses: dist/src/cli/main.js (bin/play.js),
// dist/src/index.js (`import ... from 'regplay'` in a user's role) and dist/roles/<name>/index.js
// (the built-in roles, imported by path). Code they share lives once, in dist/chunks/, so a user's
// role gets the very error and Secret classes the engine checks; lazy imports stay lazy chunks.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** esbuild's options for the bundle of the package at `root`, written to `outdir`. */
export function bundleOptions(outdir = join(root, 'dist')) {
  const roles = readdirSync(join(root, 'roles'), { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(root, 'roles', e.name, 'index.ts')))
    .map((e) => `roles/${e.name}/index.ts`);
  return {
    absWorkingDir: root,
    entryPoints: ['src/cli/main.ts', 'src/index.ts', ...roles],
    outdir,
    outbase: '.',
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // Loaded from node_modules at run time: ssh2 finds its optional native code by relative path
    // (bundling it saved no CPU), tsx is a loader, zx is used only by the local transport, bcryptjs
    // runs in a worker thread by path.
    external: ['ssh2', 'tsx', 'zx', 'bcryptjs'],
    // The bundled CommonJS packages call require() for Node's own modules.
    banner: { js: "import { createRequire as __regplayRequire } from 'node:module'; const require = __regplayRequire(import.meta.url);" },
    logLevel: 'warning',
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  rmSync(join(root, 'dist'), { recursive: true, force: true });
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const checked = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.json'), '--emitDeclarationOnly'], { cwd: root, stdio: 'inherit' });
  if (checked.status !== 0) process.exit(checked.status ?? 1);
  await build(bundleOptions());
}

// `node --import tsx bench/cpu-time.ts [--hosts 8] [--runs 10] [--site] [--play DIR]...`: the CPU time (user +
// system of the whole `play` process, children included) of a node-role no-op run (with --site: of a
// `site.yaml` no-op run too, on a lab with the cluster stand-in), and of `play --help`. Unlike wall time it hardly moves when other work shares the cores, so builds can
// be compared on a busy machine. Each --play DIR is a regplay checkout with a build (default: this
// one); the runs alternate between them, on one lab brought up for the purpose (--keep leaves it up).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { loadLab } from './lab.js';
import { benchLayout } from './layout.js';
import { summarize } from './stats.js';
import { runPlay, type Tools } from './tools.js';
import { benchVars, makeCaPem, nodeWork, SITE_PASSWORD_ENV, siteVarsYaml } from './vars.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const say = (s: string) => process.stdout.write(`${s}\n`);

/** User + system CPU ms of `argv` and everything it waited for (bash's `times`, children line). */
export function cpuTimeOf(argv: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<{ cpuMs: number; wallMs: number; code: number }> {
  const script = '"$@" >/dev/null 2>&1; code=$?; times; exit $code';
  return new Promise((done, fail) => {
    const started = process.hrtime.bigint();
    const child = spawn('bash', ['-c', script, 'bash', ...argv], { cwd, env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.on('error', fail);
    child.on('close', (code) => {
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      const children = out.trim().split('\n').pop() ?? '';
      const secs = [...children.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
      if (secs.length !== 2) return fail(new Error(`cannot read \`times\` output: ${out}`));
      done({ cpuMs: (secs[0]! + secs[1]!) * 1000, wallMs, code: code ?? 1 });
    });
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { hosts: { type: 'string', default: '8' }, runs: { type: 'string', default: '10' }, play: { type: 'string', multiple: true }, keep: { type: 'boolean', default: false }, site: { type: 'boolean', default: false } } });
  const hosts = Number(values.hosts);
  const runs = Number(values.runs);
  const dirs = (values.play ?? [repoRoot]).map((d) => resolve(d));
  const { labUp, labSupport } = await loadLab();
  const support = labSupport();
  if (!support.ok) throw new Error(`the lab cannot run here: ${support.reason}`);
  const lab = await labUp({ name: 'cputime', hosts: benchLayout(hosts), standin: values.site, persist: values.keep });
  try {
    const workDir = join(lab.dir, 'bench');
    mkdirSync(workDir, { recursive: true });
    const varsFile = join(workDir, 'vars.yaml');
    const work = nodeWork({ registryIp: lab.hosts.cp1!.address, caPem: makeCaPem() });
    writeFileSync(varsFile, stringify(benchVars(work)));
    const siteVars = join(workDir, 'site-vars.yaml');
    writeFileSync(siteVars, siteVarsYaml(work));
    const siteEnv = { ...process.env, [SITE_PASSWORD_ENV]: randomBytes(12).toString('base64url') };
    const bench = join(repoRoot, 'bench/playbook.yaml');
    const forks = ['--forks', String(Math.min(hosts, 50))];
    const playArgs = (dir: string) => [process.execPath, join(dir, 'bin/play.js'), bench, '-i', lab.inventoryPath, '-e', `@${varsFile}`, ...forks];
    const siteArgs = (dir: string) => [process.execPath, join(dir, 'bin/play.js'), 'site.yaml', '-i', lab.inventoryPath, '-e', `@${siteVars}`, ...forks];
    const tools: Tools = { repoRoot: dirs[0]!, play: [process.execPath, join(dirs[0]!, 'bin/play.js')], inventory: lab.inventoryPath, ansibleInventory: '', varsFile, workDir, forks: hosts, controlPathDir: '' };
    await runPlay(tools, bench, 'converge', ['-e', `@${varsFile}`]);
    if (values.site) {
      // A fresh cluster's first rollout can outlast the role's wait; the second converge finds it up.
      await runPlay(tools, 'site.yaml', 'site-converge', ['-e', `@${siteVars}`], siteEnv).catch(() => runPlay(tools, 'site.yaml', 'site-converge', ['-e', `@${siteVars}`], siteEnv));
    }
    const loadBefore = loadavg()[0]!;
    const noop = dirs.map(() => ({ cpu: [] as number[], wall: [] as number[] }));
    const help = dirs.map(() => [] as number[]);
    const site = dirs.map(() => ({ cpu: [] as number[], wall: [] as number[] }));
    for (let i = 0; i < runs; i++) {
      for (const [k, dir] of dirs.entries()) {
        const r = await cpuTimeOf(playArgs(dir), dir);
        if (r.code !== 0) throw new Error(`no-op run of ${dir} exited ${r.code}`);
        noop[k]!.cpu.push(r.cpuMs);
        noop[k]!.wall.push(r.wallMs);
        help[k]!.push((await cpuTimeOf([process.execPath, join(dir, 'bin/play.js'), '--help'], dir)).cpuMs);
        if (values.site) {
          const s = await cpuTimeOf(siteArgs(dir), dir, siteEnv);
          if (s.code !== 0) throw new Error(`site.yaml no-op run of ${dir} exited ${s.code}`);
          site[k]!.cpu.push(s.cpuMs);
          site[k]!.wall.push(s.wallMs);
        }
      }
    }
    const fmt = (xs: number[]) => { const s = summarize(xs); return `${s.median.toFixed(0)} ms (${s.min.toFixed(0)}–${s.max.toFixed(0)})`; };
    say(`${hosts} hosts, ${runs} runs each, load average (1 min) ${loadBefore.toFixed(2)} before / ${loadavg()[0]!.toFixed(2)} after`);
    for (const [k, dir] of dirs.entries()) {
      say(`${dir}\n  node-role no-op: CPU ${fmt(noop[k]!.cpu)}, wall ${fmt(noop[k]!.wall)}\n  play --help:     CPU ${fmt(help[k]!)}`);
      if (values.site) say(`  site.yaml no-op: CPU ${fmt(site[k]!.cpu)}, wall ${fmt(site[k]!.wall)}`);
    }
    if (values.keep) say(`lab kept up (npm run lab:down -- cputime); a no-op run: ${playArgs(dirs[0]!).join(' ')}`);
  } finally {
    if (!values.keep) await lab.down();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((e: unknown) => {
    process.stderr.write(`cpu-time: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}

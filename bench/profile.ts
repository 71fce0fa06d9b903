// `node --import tsx bench/profile.ts [--hosts 8] [--runs 3] [--quiet-load X]`: what bounds a no-op `play` run.
// Brings up its own lab (`benchprof`), converges the node roles, then profiles no-op runs
// (node --cpu-prof) and times the parts: Node start-up, loading the CLI, SSH connection set-up.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { NodeSSH } from 'node-ssh';
import { parse, stringify } from 'yaml';
import { flattenInventory } from './ansible-inventory.js';
import { busyTimeline, readProfile, summarizeProfile, topFunctions } from './cpu-profile.js';
import { loadLab } from './lab.js';
import { benchLayout } from './layout.js';
import { timed } from './measure.js';
import { waitQuiet } from './quiet.js';
import { summarize } from './stats.js';
import { runPlay, type Tools } from './tools.js';
import { benchVars, makeCaPem, nodeWork } from './vars.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const say = (s: string) => process.stdout.write(`${s}\n`);

/**
 * Wall time to open one ssh2 connection to every host at once and run `true` on each, and the
 * median time of one more `true` exec on an open connection: with and without TCP_NODELAY.
 */
async function connectAll(inventoryPath: string, noDelay: boolean): Promise<{ connectMs: number; execMs: number }> {
  const hosts = flattenInventory(parse(readFileSync(inventoryPath, 'utf8')));
  const started = process.hrtime.bigint();
  const conns = await Promise.all(
    hosts.map(async (h) => {
      const ssh = new NodeSSH();
      const connecting = ssh.connect({ host: String(h.vars.host), port: Number(h.vars.port ?? 22), username: String(h.vars.user ?? 'root'), privateKey: readFileSync(String(h.vars.ssh_key), 'utf8') });
      if (noDelay) ssh.connection?.setNoDelay(true);
      await connecting;
      await ssh.execCommand('true');
      return ssh;
    }),
  );
  const connectMs = Number(process.hrtime.bigint() - started) / 1e6;
  const execs: number[] = [];
  for (let i = 0; i < 7; i++) {
    const t = process.hrtime.bigint();
    await conns[0]!.execCommand('true');
    execs.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  for (const c of conns) c.dispose();
  return { connectMs, execMs: summarize(execs).median };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { hosts: { type: 'string', default: '8' }, runs: { type: 'string', default: '3' }, 'quiet-load': { type: 'string', default: '1' } } });
  const hosts = Number(values.hosts);
  const runs = Number(values.runs);
  const { labUp, labSupport } = await loadLab();
  const support = labSupport();
  if (!support.ok) throw new Error(`the lab cannot run here: ${support.reason}`);
  const lab = await labUp({ name: 'benchprof', hosts: benchLayout(hosts) });
  try {
    const workDir = join(lab.dir, 'bench');
    mkdirSync(workDir, { recursive: true });
    const profDir = join(repoRoot, '.lab', 'bench-profile');
    rmSync(profDir, { recursive: true, force: true });
    mkdirSync(profDir, { recursive: true });
    const work = nodeWork({ registryIp: lab.hosts.cp1!.address, caPem: makeCaPem() });
    const varsFile = join(workDir, 'vars.yaml');
    writeFileSync(varsFile, stringify(benchVars(work)));
    const play = [process.execPath, join(repoRoot, 'bin/play.js')];
    const tools: Tools = { repoRoot, play, inventory: lab.inventoryPath, ansibleInventory: '', varsFile, workDir, forks: hosts, controlPathDir: '' };
    const bench = join(repoRoot, 'bench/playbook.yaml');
    await runPlay(tools, bench, 'converge', ['-e', `@${varsFile}`]);
    const notes: string[] = [];
    await waitQuiet(Number(values['quiet-load']), notes, (m) => process.stderr.write(`profile: ${m}\n`));
    for (const n of notes) say(`note: ${n}`);
    say(`load average (1 min) at the start: ${loadavg()[0]!.toFixed(2)}`);

    const nodeStart: number[] = [];
    const help: number[] = [];
    const connect = { on: [] as number[], off: [] as number[], execOn: [] as number[], execOff: [] as number[] };
    const restart: number[] = [];
    const noop: number[] = [];
    for (let i = 0; i < runs; i++) {
      nodeStart.push((await timed([process.execPath, '-e', '0'], { cwd: repoRoot })).wallMs);
      help.push((await timed([...play, '--help'], { cwd: repoRoot })).wallMs);
      const on = await connectAll(lab.inventoryPath, true);
      const off = await connectAll(lab.inventoryPath, false);
      connect.on.push(on.connectMs);
      connect.off.push(off.connectMs);
      connect.execOn.push(on.execMs);
      connect.execOff.push(off.execMs);
      noop.push((await runPlay(tools, bench, 'noop', ['-e', `@${varsFile}`])).wallMs);
    }
    const containerdHosts = Object.keys(lab.hosts).filter((h) => h !== 'b1');
    for (let i = 0; i < runs; i++) {
      const t = process.hrtime.bigint();
      await Promise.all(containerdHosts.map((h) => lab.exec(h, 'service containerd restart')));
      restart.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    const profTools = { ...tools, play: [process.execPath, '--cpu-prof', '--cpu-prof-dir', profDir, join(repoRoot, 'bin/play.js')] };
    const profiled = await runPlay(profTools, bench, 'noop-prof', ['-e', `@${varsFile}`]);

    const fmt = (xs: number[]) => { const s = summarize(xs); return `${s.median.toFixed(0)} ms (${s.min.toFixed(0)}–${s.max.toFixed(0)})`; };
    say(`no-op play, ${hosts} hosts:            ${fmt(noop)}`);
    say(`node -e 0:                          ${fmt(nodeStart)}`);
    say(`play --help (start-up + CLI load):  ${fmt(help)}`);
    say(`ssh2 connect + exec, all hosts at once, TCP_NODELAY on / off: ${fmt(connect.on)} / ${fmt(connect.off)}`);
    say(`one exec round trip (\`true\`) on an open connection, TCP_NODELAY on / off: ${fmt(connect.execOn)} / ${fmt(connect.execOff)}`);
    say(`\`service containerd restart\` on the ${containerdHosts.length} containerd hosts at once: ${fmt(restart)}`);
    const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
    if (file) {
      say(`\nprofiled no-op run (${profiled.wallMs.toFixed(0)} ms wall, profiler on), self time by package/folder:`);
      const profile = readProfile(join(profDir, file));
      for (const { bucket, ms } of summarizeProfile(profile).slice(0, 15)) say(`  ${ms.toFixed(0).padStart(6)} ms  ${bucket}`);
      say('\nbusiest functions (self time):');
      for (const { frame, ms } of topFunctions(profile, 15)) say(`  ${ms.toFixed(1).padStart(6)} ms  ${frame}`);
      say(`\nCPU busy ms per 50 ms of the run: ${busyTimeline(profile, 50).map((x) => x.toFixed(0)).join(' ')}`);
      say(`profile: ${join(profDir, file)}`);
    }
  } finally {
    await lab.down();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`profile: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});

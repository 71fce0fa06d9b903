// `npm run bench`: play against Ansible on the same lab hosts (issue 7). Run by hand, as root.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify, parse } from 'yaml';
import { toAnsibleInventory } from './ansible-inventory.js';
import { parseBenchArgs, type BenchArgs } from './args.js';
import { reset, snapshot, type Snapshot } from './host-state.js';
import { loadLab, type BenchLab } from './lab.js';
import { benchLayout } from './layout.js';
import { describeMachine } from './machine.js';
import { timed } from './measure.js';
import { waitQuiet } from './quiet.js';
import { roundTripFigure, totalChanged, type RoundTripFigure } from './play-report.js';
import { renderSection, spliceSection, type BenchResult } from './results.js';
import { summarize } from './stats.js';
import { runAnsible, runPlay, type PlayRun, type Tools } from './tools.js';
import { benchVars, makeCaPem, nodeWork, SITE_PASSWORD_ENV, siteVarsYaml, type NodeWork } from './vars.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const log = (msg: string) => process.stderr.write(`bench: ${msg}\n`);

/** `node bin/play.js` after a build; tsx from source when the build fails (noted in the results). */
function playCommand(args: BenchArgs, notes: string[]): string[] {
  if (args.build) {
    log('npm run build');
    const b = spawnSync('npm', ['run', 'build'], { cwd: repoRoot, encoding: 'utf8' });
    if (b.status !== 0) {
      notes.push('`npm run build` failed, so `play` ran from source through tsx (slower start-up than the built CLI).');
      log(`build failed, using tsx:\n${(b.stdout + b.stderr).split('\n').slice(-15).join('\n')}`);
      return [process.execPath, '--import', 'tsx', join(repoRoot, 'src/cli/main.ts')];
    }
  }
  if (existsSync(join(repoRoot, 'dist/src/cli/main.js'))) return [process.execPath, join(repoRoot, 'bin/play.js')];
  notes.push('dist/ was missing, so `play` ran from source through tsx (slower start-up than the built CLI).');
  return [process.execPath, '--import', 'tsx', join(repoRoot, 'src/cli/main.ts')];
}

function layoutWords(hosts: number): string {
  return `1 control plane, ${hosts - 2} worker${hosts === 3 ? '' : 's'}, 1 build host`;
}

async function closeControlMasters(dir: string): Promise<void> {
  if (!existsSync(dir)) return;
  for (const sock of readdirSync(dir)) spawnSync('ssh', ['-o', `ControlPath=${join(dir, sock)}`, '-O', 'exit', 'bench'], { stdio: 'ignore' });
  rmSync(dir, { recursive: true, force: true });
}

/** The worse of two round-trip figures (runs are summarized by their worst host). */
const worse = (a: RoundTripFigure, b: RoundTripFigure): RoundTripFigure => ({
  maxPerHost: Math.max(a.maxPerHost, b.maxPerHost),
  maxPerHostPerPlay: Math.max(a.maxPerHostPerPlay, b.maxPerHostPerPlay),
});

/** `play site.yaml`: one converge from reset hosts (not a figure), then the no-op re-runs. */
async function measureSite(args: BenchArgs, lab: BenchLab, tools: Tools, work: NodeWork, snap: Snapshot, notes: string[]) {
  await reset(lab, snap, work);
  const site = { noop: [] as number[], rss: [] as number[], changed: 0, trips: { maxPerHost: 0, maxPerHostPerPlay: 0 } as RoundTripFigure };
  const siteVars = join(tools.workDir, 'site-vars.yaml');
  writeFileSync(siteVars, siteVarsYaml(work));
  const siteArgs = ['-e', `@${siteVars}`];
  const siteEnv = { [SITE_PASSWORD_ENV]: randomBytes(12).toString('base64url') };
  let c: PlayRun;
  try {
    c = await runPlay(tools, 'site.yaml', 'site-converge', siteArgs, siteEnv);
  } catch (e) {
    // A fresh cluster's first rollout can outlast the role's wait; the second converge finds it up.
    log(`site.yaml first converge failed, converging once more:\n${e instanceof Error ? e.message : String(e)}`);
    notes.push('The first `play site.yaml` converge failed and a second one was needed before the no-op runs (see the bench log).');
    c = await runPlay(tools, 'site.yaml', 'site-converge', siteArgs, siteEnv);
  }
  log(`site.yaml converge ${c.wallMs.toFixed(0)} ms (changed ${totalChanged(c.report)}, not a figure)`);
  for (let i = 0; i < args.runs; i++) {
    const n = await runPlay(tools, 'site.yaml', 'site-noop', siteArgs, siteEnv);
    site.noop.push(n.wallMs);
    if (n.peakRssMiB !== undefined) site.rss.push(n.peakRssMiB);
    site.changed += totalChanged(n.report);
    const f = roundTripFigure(n.report);
    site.trips = worse(site.trips, f);
    log(`run ${i + 1}/${args.runs} play site.yaml no-op ${n.wallMs.toFixed(0)} ms (changed ${totalChanged(n.report)})`);
  }
  return site;
}

interface NodeRoleFigures {
  play: { converge: number[]; noop: number[]; rssConverge: number[]; rssNoop: number[]; changed: number; trips: RoundTripFigure };
  ansible: { converge: number[]; noop: number[]; changed: number };
}

/** First converge and no-op re-run of each tool, alternating which goes first, from reset hosts. */
async function measureNodeRoles(args: BenchArgs, lab: BenchLab, tools: Tools, work: NodeWork, snap: Snapshot): Promise<NodeRoleFigures> {
  const bench = join(repoRoot, 'bench/playbook.yaml');
  const varsArg = ['-e', `@${tools.varsFile}`];
  const f: NodeRoleFigures = {
    play: { converge: [], noop: [], rssConverge: [], rssNoop: [], changed: 0, trips: { maxPerHost: 0, maxPerHostPerPlay: 0 } },
    ansible: { converge: [], noop: [], changed: 0 },
  };
  for (let i = 0; i < args.runs; i++) {
    const order = i % 2 === 0 ? (['play', 'ansible'] as const) : (['ansible', 'play'] as const);
    for (const tool of order) {
      await reset(lab, snap, work);
      if (tool === 'play') {
        const c = await runPlay(tools, bench, 'converge', varsArg);
        const n = await runPlay(tools, bench, 'noop', varsArg);
        f.play.converge.push(c.wallMs);
        f.play.noop.push(n.wallMs);
        if (c.peakRssMiB !== undefined) f.play.rssConverge.push(c.peakRssMiB);
        if (n.peakRssMiB !== undefined) f.play.rssNoop.push(n.peakRssMiB);
        f.play.changed += totalChanged(n.report);
        f.play.trips = worse(f.play.trips, roundTripFigure(n.report));
        log(`run ${i + 1}/${args.runs} play: converge ${c.wallMs.toFixed(0)} ms (changed ${totalChanged(c.report)}), no-op ${n.wallMs.toFixed(0)} ms (changed ${totalChanged(n.report)})`);
      } else {
        const c = await runAnsible(tools);
        const n = await runAnsible(tools);
        f.ansible.converge.push(c.wallMs);
        f.ansible.noop.push(n.wallMs);
        f.ansible.changed += n.changed;
        log(`run ${i + 1}/${args.runs} ansible: converge ${c.wallMs.toFixed(0)} ms (changed ${c.changed}), no-op ${n.wallMs.toFixed(0)} ms (changed ${n.changed})`);
      }
    }
  }
  return f;
}

async function measureBaselines(runs: number, play: string[]): Promise<{ nodeStart: number[]; playHelp: number[] }> {
  const b = { nodeStart: [] as number[], playHelp: [] as number[] };
  for (let i = 0; i < runs; i++) {
    b.nodeStart.push((await timed([process.execPath, '-e', '0'], { cwd: repoRoot })).wallMs);
    const h = await timed([...play, '--help'], { cwd: repoRoot });
    if (h.code === 0) b.playHelp.push(h.wallMs);
  }
  return b;
}

async function measure(args: BenchArgs, lab: BenchLab, tools: Tools, work: NodeWork, notes: string[]): Promise<Omit<BenchResult, 'machine' | 'date' | 'playCommand' | 'layout' | 'load'>> {
  const snap = await snapshot(lab, Object.keys(lab.hosts), work);
  const baseline = await measureBaselines(args.runs, tools.play);
  const { play, ansible } = await measureNodeRoles(args, lab, tools, work, snap);

  let site: Awaited<ReturnType<typeof measureSite>> | undefined;
  if (args.site) {
    try {
      site = await measureSite(args, lab, tools, work, snap, notes);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      notes.push(`\`play site.yaml\` could not be measured: ${message.split('\n').filter(Boolean).slice(0, 3).join(' / ')}`);
      log(`site.yaml failed, its figure is left out:\n${message}`);
    }
  }

  const peak = (xs: number[]) => (xs.length ? Math.max(...xs) : undefined);
  return {
    hosts: args.hosts,
    runs: args.runs,
    nodeConverge: { play: summarize(play.converge), ansible: summarize(ansible.converge) },
    nodeNoop: { play: summarize(play.noop), ansible: summarize(ansible.noop) },
    siteNoop: site ? summarize(site.noop) : undefined,
    peakRss: { nodeConverge: peak(play.rssConverge), nodeNoop: peak(play.rssNoop), siteNoop: site ? peak(site.rss) : undefined },
    roundTrips: { nodeNoop: play.trips, siteNoop: site?.trips },
    noopChanged: { play: play.changed, ansible: ansible.changed, site: site?.changed },
    baseline: { nodeStart: summarize(baseline.nodeStart), playHelp: baseline.playHelp.length ? summarize(baseline.playHelp) : undefined },
    notes,
  };
}

async function main(): Promise<number> {
  const args = parseBenchArgs(process.argv.slice(2));
  const labModule = await loadLab();
  const support = labModule.labSupport();
  if (!support.ok) {
    log(`the lab cannot run here: ${support.reason}`);
    return 1;
  }
  const notes: string[] = [];
  const play = playCommand(args, notes);
  log(`lab up: ${args.hosts} hosts (${layoutWords(args.hosts)})`);
  const lab = await labModule.labUp({ name: 'bench', hosts: benchLayout(args.hosts), standin: args.site, persist: args.keep });
  const controlPathDir = mkdtempSync('/tmp/rpb-');
  try {
    const workDir = join(lab.dir, 'bench');
    mkdirSync(workDir, { recursive: true });
    const labInventory = parse(readFileSync(lab.inventoryPath, 'utf8')) as unknown;
    const work = nodeWork({ registryIp: lab.hosts.cp1!.address, caPem: makeCaPem() });
    const varsFile = join(workDir, 'vars.yaml');
    writeFileSync(varsFile, stringify(benchVars(work)));
    const ansibleInventory = join(workDir, 'ansible-inventory.yml');
    writeFileSync(ansibleInventory, stringify(toAnsibleInventory(labInventory, dirname(lab.inventoryPath))));
    const tools: Tools = { repoRoot, play, inventory: lab.inventoryPath, ansibleInventory, varsFile, workDir, forks: args.hosts, controlPathDir };

    await waitQuiet(args.quietLoad, notes, log);
    const loadBefore = loadavg()[0]!;
    const measured = await measure(args, lab, tools, work, notes);
    const load = { before: loadBefore, after: loadavg()[0]! };
    const result: BenchResult = {
      ...measured,
      load,
      layout: layoutWords(args.hosts),
      date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      machine: describeMachine(repoRoot),
      playCommand: play.map((a) => a.replace(`${repoRoot}/`, '').replace(process.execPath, 'node')).join(' '),
    };
    const section = renderSection(result);
    const out = resolve(repoRoot, args.out);
    writeFileSync(out, spliceSection(existsSync(out) ? readFileSync(out, 'utf8') : null, args.hosts, section));
    process.stdout.write(`${section}\n\nwritten to ${out}\n`);
    return 0;
  } finally {
    await closeControlMasters(controlPathDir);
    if (args.keep) log(`lab left up (${lab.dir}); npm run lab:down removes it`);
    else await lab.down();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    log(err instanceof Error ? err.message : String(err));
    process.exit(1);
  },
);

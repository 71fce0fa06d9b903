// The CLI: parse flags, load and validate everything, run, report. The one top-level catch
// maps error classes to messages and exit codes.
import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { CommanderError } from 'commander';
import { CommandError, InputError, StateError, UnreachableError } from '../errors.js';
import { defaultDeps } from '../engine/defaults.js';
import type { EngineDeps } from '../engine/deps.js';
import type { EngineEvent } from '../engine/events.js';
import { listPlays } from '../engine/list.js';
import { findPlaybook } from '../engine/playbook.js';
import { prepare } from '../engine/prepare.js';
import { repoRoot } from '../engine/repo.js';
import { k8sRenderer } from '../engine/render.js';
import type { RoleCatalog } from '../engine/roles.js';
import { EXIT, runPrepared } from '../engine/run.js';
import { humanReporter } from '../reporters/human.js';
import { jsonReporter } from '../reporters/json.js';
import { junitReporter } from '../reporters/junit.js';
import { plantedLink } from '../local-file.js';
import { redact } from '../secret.js';
import { formatListing } from './listing.js';
import { buildProgram, readOptions, type CliOptions } from './program.js';

export interface CliIO {
  stdout: { write(text: string): unknown; isTTY?: boolean; columns?: number };
  stderr: { write(text: string): unknown };
  cwd: string;
  env: NodeJS.ProcessEnv;
}

export interface CliDeps extends Partial<EngineDeps> {
  catalog?: RoleCatalog;
}

export async function runCli(argv: string[], io: CliIO, deps: CliDeps = {}): Promise<number> {
  let verbose = 0;
  try {
    const program = buildProgram().configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: () => {},
    });
    try {
      program.parse(argv, { from: 'user' });
    } catch (e) {
      if (e instanceof CommanderError) return usageError(e, io);
      throw e;
    }
    const opts = readOptions(program);
    verbose = opts.verbose;
    return await play(opts, io, deps);
  } catch (e) {
    return report(e, io, verbose);
  }
}

async function play(opts: CliOptions, io: CliIO, deps: CliDeps): Promise<number> {
  if (opts.renderSecrets && !opts.render) throw new InputError('--render-secrets needs --render DIR');
  if (opts.detailedExitcode && !opts.check) throw new InputError('--detailed-exitcode needs --check', undefined, 'add --check (e.g. `play site.yaml --check --detailed-exitcode`: exit 8 when changes are pending)');
  for (const [flag, file] of [['--json', opts.json], ['--junit', opts.junit]] as const) {
    if (file && !isDir(dirname(resolve(io.cwd, file)))) throw new InputError(`${flag} ${file}: directory ${dirname(resolve(io.cwd, file))} does not exist`);
  }
  for (const [flag, path] of [['--json', opts.json], ['--junit', opts.junit], ['--render', opts.render && join(opts.render, 'x.yaml')]] as const) {
    const refused = path ? plantedLink(resolve(io.cwd, path)) : undefined;
    if (refused) throw new InputError(`${flag}: ${refused}`);
  }
  const playbook = findPlaybook(opts.playbook, io.cwd, repoRoot());
  const prepared = await prepare({
    playbook,
    inventory: resolve(io.cwd, opts.inventory),
    limit: opts.limit,
    extraVars: opts.extraVars,
    tags: opts.tags,
    skipTags: opts.skipTags,
    cwd: io.cwd,
    env: io.env,
    catalog: deps.catalog,
    connection: { user: opts.user, privateKey: opts.privateKey, become: opts.become || undefined },
  });
  if (opts.syntaxCheck) {
    io.stdout.write(`playbook: ${playbook}\nsyntax OK: inventory, playbook, roles and variables loaded and validated (no host contacted)\n`);
    return EXIT.ok;
  }
  if (opts.listHosts || opts.listTasks) {
    io.stdout.write(formatListing(playbook, listPlays(prepared), { hosts: opts.listHosts, tasks: opts.listTasks }));
    return EXIT.ok;
  }
  const engine: EngineDeps = { ...defaultDeps, ...definedOnly(deps) };
  const reporters: Array<(e: EngineEvent) => void> = [
    humanReporter({ write: (s) => io.stdout.write(s), tty: Boolean(io.stdout.isTTY) && !io.env.NO_COLOR, verbose: opts.verbose > 0, diff: opts.diff, columns: io.stdout.columns }),
  ];
  if (opts.json) reporters.push(jsonReporter(resolve(io.cwd, opts.json)));
  if (opts.junit) reporters.push(junitReporter(resolve(io.cwd, opts.junit)));
  const result = await runPrepared(
    prepared,
    {
      check: opts.check,
      diff: opts.diff,
      forks: opts.forks,
      detailedExitcode: opts.detailedExitcode,
      emit: (e) => reporters.forEach((r) => r(e)),
      onPlan: opts.render ? k8sRenderer(resolve(io.cwd, opts.render), opts.renderSecrets) : undefined,
    },
    engine,
  );
  return result.exitCode;
}

function definedOnly(deps: CliDeps): Partial<EngineDeps> {
  const out: Partial<EngineDeps> = {};
  if (deps.executeRole) out.executeRole = deps.executeRole;
  if (deps.runHandlers) out.runHandlers = deps.runHandlers;
  if (deps.connect) out.connect = deps.connect;
  return out;
}

function usageError(e: CommanderError, io: CliIO): number {
  if (e.code === 'commander.helpDisplayed' || e.code === 'commander.help' || e.code === 'commander.version') return EXIT.ok;
  io.stderr.write(`play: ${e.message.replace(/^error: /, '')}\n  -> see \`play --help\` for the flags\n`);
  return EXIT.input;
}

function report(e: unknown, io: CliIO, verbose: number): number {
  const say = (text: string) => io.stderr.write(redact(`play: ${text}\n`));
  if (e instanceof InputError) {
    say(`error: ${e.describe()}\n  (nothing was changed on any host)`);
    return EXIT.input;
  }
  if (e instanceof UnreachableError) {
    say(`unreachable: ${e.message}`);
    return EXIT.unreachable;
  }
  if (e instanceof StateError || e instanceof CommandError) {
    say(`failed: ${e.message}${e instanceof StateError && e.hint ? `\n  -> ${e.hint}` : ''}`);
    return EXIT.failed;
  }
  const err = e instanceof Error ? e : new Error(String(e));
  say(`internal error: ${err.message}${verbose ? `\n${err.stack ?? ''}` : '\n  (run with -v for the stack trace)'}`);
  return EXIT.internal;
}

function isDir(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}

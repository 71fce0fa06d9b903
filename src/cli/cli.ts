// The CLI: parse flags, load and validate everything, run, report. The one top-level catch
// maps error classes to messages and exit codes. The engine and what it pulls in (ssh2, zx, yaml)
// are imported when a command needs them: `play --help` and `--version` start without them.
import { existsSync, statSync } from 'node:fs';
import { constants } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { CommanderError } from 'commander';
import { CommandError, InputError, StateError, UnreachableError } from '../errors.js';
import type { EngineDeps } from '../engine/run/deps.js';
import { repoRoot } from '../engine/load/repo.js';
import type { RoleCatalog } from '../engine/load/roles.js';
import type { PrepareOptions } from '../engine/load/prepare.js';
import { EXIT } from '../engine/exit-codes.js';
import type { RunAbort } from '../engine/events.js';
import { plantedLink } from '../local-file.js';
import { redact } from '../secret.js';
import { formatListing } from './listing.js';
import { buildProgram, buildRegistryProgram, buildVerifyProgram, readOptions, readRegistryOptions, readVerifyOptions, type CliOptions, type HostsOptions, type VerifyCliOptions } from './program.js';
import { reportFlags, Reports } from './reports.js';

export interface Output {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface CliIO {
  stdout: Output;
  stderr: Output;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Asks a yes/no question on a terminal (play registry rm); absent without one. */
  confirm?: (question: string) => Promise<boolean>;
  /** Aborted on Ctrl-C or SIGTERM (the reason is the signal's name): the run ends with the recap so far. */
  signal?: AbortSignal;
}

export interface CliDeps extends Partial<EngineDeps> {
  catalog?: RoleCatalog;
}

export async function runCli(argv: string[], io: CliIO, deps: CliDeps = {}): Promise<number> {
  let verbose = 0;
  let reports: Reports | undefined;
  try {
    const verifying = argv[0] === 'verify';
    const registry = argv[0] === 'registry';
    const program = (verifying ? buildVerifyProgram() : registry ? buildRegistryProgram() : buildProgram()).configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: () => {},
    });
    try {
      program.parse(verifying || registry ? argv.slice(1) : argv, { from: 'user' });
    } catch (e) {
      if (!(e instanceof CommanderError)) throw e;
      const code = usageError(e, io, verifying ? 'play verify --help' : registry ? 'play registry --help' : 'play --help');
      if (code !== EXIT.ok) reportUsageError(argv, io, code, e.message.replace(/^error: /, ''));
      return code;
    }
    if (registry) {
      const opts = readRegistryOptions(program);
      verbose = opts.verbose;
      const { registryCommand } = await import('./registry.js');
      return await registryCommand(opts, io, deps);
    }
    if (verifying) {
      const opts = readVerifyOptions(program);
      verbose = opts.verbose;
      reports = openReports(opts, io);
      const code = await verifyHosts(opts, io, deps, reports);
      reports.end(code);
      return code;
    }
    const opts = readOptions(program);
    verbose = opts.verbose;
    reports = openReports(opts, io);
    const code = await play(opts, io, deps, reports);
    reports.end(code); // --syntax-check, --list-*: no run, the reports still say how it ended
    return code;
  } catch (e) {
    const code = report(e, io, verbose);
    reports?.end(code, abortOf(e, code));
    return code;
  }
}

/** The reports; a --json/--junit whose directory does not exist is bad input (reported on stderr only). */
function openReports(o: Pick<CliOptions, 'json' | 'junit'> & Partial<CliOptions>, io: CliIO): Reports {
  for (const [flag, file] of [['--json', o.json], ['--junit', o.junit]] as const) {
    if (file && file !== '-' && !isDir(dirname(resolve(io.cwd, file)))) {
      throw new InputError(`${flag} ${file}: directory ${dirname(resolve(io.cwd, file))} does not exist`);
    }
    const refused = file && file !== '-' ? plantedLink(resolve(io.cwd, file)) : undefined;
    if (refused) throw new InputError(`${flag}: ${refused}`);
  }
  if (o.junit === '-') throw new InputError('--junit -: JUnit XML goes to a file', undefined, 'name a file, e.g. --junit report.xml (--json - streams events to stdout)');
  return new Reports(o, io);
}

/** A command line commander refused still gets its --json/--junit report, when those can be found in it. */
function reportUsageError(argv: string[], io: CliIO, code: number, message: string): void {
  let reports: Reports;
  try {
    reports = openReports(reportFlags(argv), io);
  } catch {
    return; // the report's own directory is missing: the usage error on stderr is all there is
  }
  reports.end(code, { reason: 'bad input', message });
}

function abortOf(e: unknown, code: number): RunAbort {
  const message = e instanceof InputError ? e.describe() : e instanceof Error ? e.message : String(e);
  if (code === EXIT.input) return { reason: 'bad input', message };
  if (code === EXIT.failed) return { reason: 'failed', message };
  if (code === EXIT.unreachable) return { reason: 'unreachable', message };
  return { reason: 'internal error', message };
}

/** 128 + the signal's number, as a shell reports a process a signal ended (130 for Ctrl-C). */
function signalExit(signal: AbortSignal): number {
  const name = String(signal.reason) as keyof typeof constants.signals;
  return 128 + (constants.signals[name] ?? constants.signals.SIGINT);
}

/** The loading a run and `play verify` share: the inventory, --limit, extra vars and the connection overrides. */
function prepareOptions(playbook: string, opts: HostsOptions, io: CliIO, deps: CliDeps): PrepareOptions {
  return {
    playbook,
    inventory: resolve(io.cwd, opts.inventory),
    limit: opts.limit,
    extraVars: opts.extraVars,
    cwd: io.cwd,
    env: io.env,
    catalog: deps.catalog,
    connection: { user: opts.user, privateKey: opts.privateKey, become: opts.become || undefined },
  };
}

async function play(opts: CliOptions, io: CliIO, deps: CliDeps, reports: Reports): Promise<number> {
  if (opts.renderSecrets && !opts.render) throw new InputError('--render-secrets needs --render DIR');
  if (opts.detailedExitcode && !opts.check) throw new InputError('--detailed-exitcode needs --check', undefined, 'add --check (e.g. `play site.yaml --check --detailed-exitcode`: exit 8 when changes are pending)');
  const renderRefused = opts.render ? plantedLink(resolve(io.cwd, join(opts.render, 'x.yaml'))) : undefined;
  if (renderRefused) throw new InputError(`--render: ${renderRefused}`);
  const [{ findPlaybook }, { prepare }, { listPlays }, { k8sRenderer }, { runPrepared }, { defaultDeps }] = await Promise.all([
    import('../engine/load/playbook.js'),
    import('../engine/load/prepare.js'),
    import('../engine/list.js'),
    import('../engine/load/render.js'),
    import('../engine/run/run.js'),
    import('../engine/run/defaults.js'),
  ]);
  const playbook = findPlaybook(opts.playbook, io.cwd, repoRoot());
  const prepared = await prepare({ ...prepareOptions(playbook, opts, io, deps), tags: opts.tags, skipTags: opts.skipTags });
  if (opts.syntaxCheck) {
    io.stdout.write(`playbook: ${playbook}\nsyntax OK: inventory, playbook, roles and variables loaded and validated (no host contacted)\n`);
    return EXIT.ok;
  }
  if (opts.listHosts || opts.listTasks) {
    io.stdout.write(formatListing(playbook, listPlays(prepared), { hosts: opts.listHosts, tasks: opts.listTasks }));
    return EXIT.ok;
  }
  if (io.signal?.aborted) {
    const code = signalExit(io.signal);
    io.stderr.write(`play: interrupted (${String(io.signal.reason)}) before any host was contacted\n`);
    reports.end(code, { reason: 'interrupted', message: `interrupted (${String(io.signal.reason)}) before any host was contacted` });
    return code;
  }
  const engine: EngineDeps = { ...defaultDeps, ...definedOnly(deps) };
  const result = await runPrepared(
    prepared,
    {
      check: opts.check,
      diff: opts.diff,
      forks: opts.forks,
      detailedExitcode: opts.detailedExitcode,
      emit: reports.emit,
      signal: io.signal,
      interruptedExit: () => (io.signal ? signalExit(io.signal) : EXIT.interrupted),
      onPlan: opts.render ? k8sRenderer(resolve(io.cwd, opts.render), opts.renderSecrets) : undefined,
    },
    engine,
  );
  return result.exitCode;
}

/** `play verify`: the same loading as a run (nothing contacted on bad input), then read-only checks. */
async function verifyHosts(opts: VerifyCliOptions, io: CliIO, deps: CliDeps, reports: Reports): Promise<number> {
  const [{ findPlaybook }, { prepare }, { verify }, { formatTable }, { defaultDeps }] = await Promise.all([
    import('../engine/load/playbook.js'),
    import('../engine/load/prepare.js'),
    import('../verify/verify.js'),
    import('../verify/table.js'),
    import('../engine/run/defaults.js'),
  ]);
  const playbook = findPlaybook(opts.playbook, io.cwd, repoRoot());
  const prepared = await prepare(prepareOptions(playbook, opts, io, deps));
  const result = await verify(prepared, { keepCanary: opts.keepCanary, ...(opts.canaryFrom ? { canaryFrom: opts.canaryFrom } : {}), emit: reports.emit, connect: deps.connect ?? defaultDeps.connect });
  (opts.json === '-' ? io.stderr : io.stdout).write(redact(formatTable(result.rows, result.undetected)));
  return result.exitCode;
}

function definedOnly(deps: CliDeps): Partial<EngineDeps> {
  const out: Partial<EngineDeps> = {};
  if (deps.executeRole) out.executeRole = deps.executeRole;
  if (deps.runHandlers) out.runHandlers = deps.runHandlers;
  if (deps.connect) out.connect = deps.connect;
  return out;
}

function usageError(e: CommanderError, io: CliIO, help: string): number {
  if (e.code === 'commander.helpDisplayed' || e.code === 'commander.help' || e.code === 'commander.version') return EXIT.ok;
  io.stderr.write(`play: ${e.message.replace(/^error: /, '')}\n  -> see \`${help}\` for the flags\n`);
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

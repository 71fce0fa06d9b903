// The command line (commander). Parsing only; cli.ts acts on the result.
import { Command, InvalidArgumentError, Option } from 'commander';
import { packageVersion } from '../engine/load/repo.js';

/** What `play` and `play verify` read alike: the playbook and inventory, the hosts, the reports, the connection. */
export interface HostsOptions {
  playbook: string;
  inventory: string;
  limit?: string;
  extraVars: string[];
  json?: string;
  junit?: string;
  verbose: number;
  user?: string;
  privateKey?: string;
  become: boolean;
}

export interface CliOptions extends HostsOptions {
  check: boolean;
  diff: boolean;
  detailedExitcode: boolean;
  tags: string[];
  skipTags: string[];
  forks?: number;
  render?: string;
  renderSecrets: boolean;
  listHosts: boolean;
  listTasks: boolean;
  syntaxCheck: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, value];
const collectList = (value: string, previous: string[]) => [...previous, ...value.split(',').map((s) => s.trim()).filter(Boolean)];
const positiveInt = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number of 1 or more');
  return n;
};

// Options that mean the same in several commands: one definition each, a fresh Option per command.
const inventoryOption = () => new Option('-i, --inventory <file>', 'inventory file (YAML, Ansible shape)').default('inventory.yaml');
const limitOption = () => new Option('-l, --limit <pattern>', "only these hosts: a:b, a,b union; &b intersection; !b exclusion; * globs; ~regex");
const extraVarsOption = () => new Option('-e, --extra-vars <vars>', 'key=value, @file.yaml or {yaml}; highest precedence (repeatable)').argParser(collect).default([]);
const verboseOption = (description: string) => new Option('-v, --verbose', description).argParser((_v: string, prev: number) => prev + 1).default(0);
const userOption = () => new Option('-u, --user <user>', 'remote user for every host (overrides the inventory)');
const privateKeyOption = () => new Option('--private-key <file>', "private key file for every host (overrides the inventory's ssh_key)");
const becomeOption = () => new Option('-b, --become', 'run commands through sudo on every host (overrides the inventory)');

export function buildProgram(): Command {
  return new Command('play')
    .description('Run a playbook: converge hosts to the state its roles declare (Ansible-style).')
    .version(packageVersion(), '-V, --version', 'print the regplay version')
    .argument('[playbook]', 'playbook file; a bare name is also looked up in playbooks/', 'site.yaml')
    .addOption(inventoryOption())
    .addOption(limitOption())
    .option('-C, --check', 'compute and show the plan, change nothing')
    .option('-D, --diff', 'show content diffs (secrets masked)')
    .option('--detailed-exitcode', 'with --check: exit 8 when changes are pending')
    .option('-t, --tags <tags>', 'only plays/roles with these tags (comma-separated, repeatable)', collectList, [])
    .option('--skip-tags <tags>', 'skip plays/roles with these tags (comma-separated, repeatable)', collectList, [])
    .option('-f, --forks <n>', 'hosts at once (default: all hosts of the play, at most 50)', positiveInt)
    .addOption(extraVarsOption())
    .option('--json <file>', 'write every event and the recap as JSON')
    .option('--junit <file>', 'write a JUnit XML report (a testcase per host and step)')
    .addOption(verboseOption('show planned actions'))
    .option('--render <dir>', 'implies --check: write every planned Kubernetes object as YAML into DIR')
    .option('--render-secrets', 'with --render: write Secret values instead of ***')
    .option('--list-hosts', 'list each play\'s hosts (after --limit) and exit; no connection')
    .option('--list-tasks', 'list each play\'s roles and their steps and exit; no connection')
    .option('--syntax-check', 'load and validate everything and exit (0, or 3 on bad input); no connection')
    .addOption(userOption())
    .addOption(privateKeyOption())
    .addOption(becomeOption())
    .addHelpText('after', '\nDay two:\n  play verify [playbook]   check from each host that it can pull from the registry (play verify --help)\n  play registry ls | tags REPO | rm REF | gc   list and delete images, collect garbage (play registry --help)')
    .exitOverride()
    .showSuggestionAfterError(true);
}

function readHostsOptions(program: Command): HostsOptions {
  const o = program.opts();
  return {
    playbook: program.processedArgs[0] as string,
    inventory: o.inventory as string,
    limit: o.limit as string | undefined,
    extraVars: o.extraVars as string[],
    json: o.json as string | undefined,
    junit: o.junit as string | undefined,
    verbose: o.verbose as number,
    user: o.user as string | undefined,
    privateKey: o.privateKey as string | undefined,
    become: Boolean(o.become),
  };
}

export function readOptions(program: Command): CliOptions {
  const o = program.opts();
  return {
    ...readHostsOptions(program),
    check: Boolean(o.check) || o.render !== undefined,
    diff: Boolean(o.diff),
    detailedExitcode: Boolean(o.detailedExitcode),
    tags: o.tags as string[],
    skipTags: o.skipTags as string[],
    forks: o.forks as number | undefined,
    render: o.render as string | undefined,
    renderSecrets: Boolean(o.renderSecrets),
    listHosts: Boolean(o.listHosts),
    listTasks: Boolean(o.listTasks),
    syntaxCheck: Boolean(o.syntaxCheck),
  };
}

export interface VerifyCliOptions extends HostsOptions {
  keepCanary: boolean;
  canaryFrom?: 'build' | 'controller';
}

export function buildVerifyProgram(): Command {
  return new Command('play verify')
    .description("Check from each host, the way its runtime pulls, that it can pull from the registry (DNS, TCP, config_path, TLS with the runtime's own CA, certificate days left, /v2/ login, a real pull of a canary image). Changes no host configuration.")
    .argument('[playbook]', 'the playbook whose roles and variables say what each host should trust', 'site.yaml')
    .addOption(inventoryOption())
    .addOption(limitOption())
    .addOption(extraVarsOption())
    .option('--json <file>', 'write every check and the recap as JSON (- for NDJSON on stdout)')
    .option('--junit <file>', 'write a JUnit XML report (a testcase per host and check)')
    .addOption(verboseOption('more output'))
    .option('--keep-canary', 'leave the canary image in the registry and in the runtimes')
    .addOption(new Option('--canary-from <where>', 'push the canary from the first build host (default when there is one) or from the controller (this machine; TLS with the site CA)').choices(['build', 'controller']))
    .addOption(userOption())
    .addOption(privateKeyOption())
    .addOption(becomeOption())
    .exitOverride()
    .showSuggestionAfterError(true);
}

export function readVerifyOptions(program: Command): VerifyCliOptions {
  const o = program.opts();
  return {
    ...readHostsOptions(program),
    keepCanary: Boolean(o.keepCanary),
    ...(o.canaryFrom ? { canaryFrom: o.canaryFrom as 'build' | 'controller' } : {}),
  };
}

export interface RegistryCliOptions {
  action: string;
  reference?: string;
  playbook: string;
  inventory: string;
  extraVars: string[];
  user?: string;
  yes: boolean;
  dryRun: boolean;
  deleteUntagged: boolean;
  verbose: number;
}

export function buildRegistryProgram(): Command {
  return new Command('play registry')
    .description(
      "Day two on the registry, over its HTTP API from a host that trusts it (a build host, else a containerd node): ls (catalog with tags), tags REPO, rm REPO:TAG | REPO@DIGEST; gc: the registry's own garbage-collect in a read-only window (kubectl where k8s-apply runs it).",
    )
    .argument('<action>', 'ls | tags | rm | gc')
    .argument('[reference]', 'tags: REPO; rm: REPO:TAG or REPO@DIGEST')
    .addOption(inventoryOption())
    .option('--playbook <file>', 'the playbook whose variables name the registry and its trust', 'site.yaml')
    .addOption(extraVarsOption())
    .option('--user <name>', 'the registry user (one of registry_users; default the first)')
    .option('-y, --yes', 'rm: delete without asking (required when there is no terminal)')
    .option('--dry-run', "rm: show what would be deleted, delete nothing; gc: the collector's dry run only (no read-only window)")
    .option('--delete-untagged', 'gc: also delete manifests no tag points at (breaks multi-arch images on registry 2.x)')
    .addOption(verboseOption('more output'))
    .exitOverride()
    .showSuggestionAfterError(true);
}

export function readRegistryOptions(program: Command): RegistryCliOptions {
  const o = program.opts();
  return {
    action: program.processedArgs[0] as string,
    reference: program.processedArgs[1] as string | undefined,
    playbook: o.playbook as string,
    inventory: o.inventory as string,
    extraVars: o.extraVars as string[],
    user: o.user as string | undefined,
    yes: Boolean(o.yes),
    dryRun: Boolean(o.dryRun),
    deleteUntagged: Boolean(o.deleteUntagged),
    verbose: o.verbose as number,
  };
}

// Everything that happens before any host is touched: load inventory, playbook, roles and
// extra vars, resolve --limit and each play's hosts, compute every host's variables and call
// every role's validate(). Any problem is an InputError (exit 3) and no connection is made.
import { dirname, resolve } from 'node:path';
import { markCliStrings } from '../../cli-strings.js';
import { SECRET_VARIABLES } from '../../secret-vars.js';
import { checkVariables, ENGINE_VARIABLES } from './check-vars.js';
import { InputError } from '../../errors.js';
import { expandHome } from '../../paths.js';
import type { Vars } from '../../resources/role.js';
import { parseExtraVars } from './extra-vars.js';
import { checkFileOwners } from './file-owners.js';
import { checkGroupNames, checkGroupVariables } from './group-names.js';
import { CONNECTION_VARIABLES, connectionOf, inventoryVars, loadInventory, type ConnectionOverrides, type ConnectionParams, type Inventory } from './inventory.js';
import { matchHosts, resolveLimit } from './pattern.js';
import { checkReadableFile, MAX_YAML_BYTES, readInputFile } from './read-input.js';
import { loadPlaybook, type Play, type Playbook, type RoleEntry } from './playbook.js';
import { roleCatalog, type LoadedRole, type RoleCatalog } from './roles.js';
import { checkTagsKnown, tagSelected } from './tags.js';
import { layerFrom, mergeLayers, withVarOrigin, type VarLayer } from './vars.js';

export interface PrepareOptions {
  /** Resolved playbook path. */
  playbook: string;
  inventory: string;
  limit?: string;
  extraVars?: string[];
  tags?: string[];
  skipTags?: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  catalog?: RoleCatalog;
  /** -u, --private-key, -b: over every host's inventory settings. */
  connection?: ConnectionOverrides;
}

/**
 * `run`: selected by --tags/--skip-tags (or no tags given). `read`: filtered out, but a selected role
 * comes later in the playbook and may need its facts, so it runs read-only where it registers any
 * (like a host outside --limit). `skip`: filtered out and nothing selected comes after it.
 */
export type RoleMode = 'run' | 'read' | 'skip';

export interface PreparedRole {
  entry: RoleEntry;
  loaded: LoadedRole;
  mode: RoleMode;
}

export interface PreparedPlay {
  play: Play;
  /** Hosts in the play and in the limit: they run normally. */
  targets: string[];
  /** Hosts in the play but outside --limit: they run read-only so their facts exist. */
  readOnly: string[];
  /** Every role entry of the play, in order, with what --tags/--skip-tags make of it. */
  roles: PreparedRole[];
  /** Names in the play's hosts: that the inventory lacks (no build group): skipped with a notice. */
  absent: string[];
}

export interface Prepared {
  playbook: Playbook;
  inventory: Inventory;
  plays: PreparedPlay[];
  extraVars: VarLayer;
  connections: Map<string, ConnectionParams>;
  /** Every host that some play will touch (targets and read-only), in inventory order. */
  hosts: string[];
}

export async function prepare(o: PrepareOptions): Promise<Prepared> {
  const env = o.env ?? process.env;
  const yamlOpts = { env };
  const inventory = loadInventory(o.inventory, yamlOpts);
  const playbook = loadPlaybook(o.playbook, yamlOpts);
  const extraVars = parseExtraVars(o.extraVars ?? [], o.cwd ?? process.cwd(), yamlOpts);
  const catalog = o.catalog ?? roleCatalog([dirname(o.playbook), o.cwd ?? process.cwd()], yamlOpts);
  if (!playbook.plays.length) throw new InputError('the playbook has no plays', { file: playbook.file });
  const absent = checkGroupNames(inventory, playbook);
  const limit = o.limit ? resolveLimit(inventory, limitPattern(o.limit, o.cwd ?? process.cwd())) : undefined;
  checkTagsKnown(playbook, o.tags ?? [], o.skipTags ?? []);
  const plays: PreparedPlay[] = [];
  for (const [i, play] of playbook.plays.entries()) {
    const what = `play '${play.name}': hosts ${JSON.stringify(play.hosts)}`;
    const matched = matchHosts(inventory, play.hosts, { what, origin: play.hostsOrigin });
    const roles: PreparedRole[] = [];
    for (const entry of play.roles) {
      const loaded = await catalog.load(entry.name);
      if (!loaded) {
        throw new InputError(`unknown role '${entry.name}'`, entry.origin, `known roles: ${catalog.known().join(', ') || '(none)'}`);
      }
      roles.push({ entry, loaded, mode: tagSelected([...play.tags, ...entry.tags], o.tags ?? [], o.skipTags ?? []) ? 'run' : 'skip' });
    }
    const targets = limit ? matched.filter((h) => limit.has(h)) : matched;
    const readOnly = limit ? matched.filter((h) => !limit.has(h)) : [];
    plays.push({ play, targets, readOnly, roles, absent: absent[i]! });
  }
  markReadRoles(plays);
  let every: Set<string> | undefined;
  checkVariables(userLayers(inventory, playbook, extraVars), knownVariables(catalog, plays, { documented: false }), () => (every ??= knownVariables(catalog, plays)));

  const used = new Set(plays.filter((p) => p.roles.some((r) => r.mode !== 'skip')).flatMap((p) => [...p.targets, ...p.readOnly]));
  const hosts = [...inventory.hosts.keys()].filter((h) => used.has(h));
  const connections = new Map<string, ConnectionParams>();
  const override = connectionOverride(o.connection ?? {}, o.cwd ?? process.cwd(), env);
  for (const h of hosts) connections.set(h, override(connectionOf(inventory, h, env)));

  const prepared: Prepared = { playbook, inventory, plays, extraVars, connections, hosts };
  // The three checks look at the same variables of each host and role: merged once (and a role's
  // own reading of them, keyed by the object, once too).
  const merged = new Map<PreparedRole, Map<string, VarLayer>>();
  const varsOf = (pp: PreparedPlay, host: string, role: PreparedRole): VarLayer => {
    const byHost = merged.get(role) ?? new Map<string, VarLayer>();
    merged.set(role, byHost);
    let layer = byHost.get(host);
    if (!layer) byHost.set(host, (layer = varsFor(prepared, host, pp.play, role)));
    return layer;
  };
  validateAll(prepared, varsOf);
  checkGroupVariables(inventory, plays, varsOf);
  checkFileOwners(inventory, plays, (pp, host, role) => varsOf(pp, host, role).vars);
  return prepared;
}

/** Applies the command line's connection flags over the inventory's (the key file checked readable). */
function connectionOverride(o: ConnectionOverrides, cwd: string, env: NodeJS.ProcessEnv): (c: ConnectionParams) => ConnectionParams {
  let sshKey: string | undefined;
  if (o.privateKey !== undefined) {
    sshKey = resolve(cwd, expandHome(o.privateKey, env));
    checkReadableFile(sshKey, `--private-key ${o.privateKey}:`);
  }
  return (c) => ({
    ...c,
    ...(o.user !== undefined ? { user: o.user } : {}),
    ...(sshKey !== undefined ? { sshKey } : {}),
    ...(o.become !== undefined ? { become: o.become } : {}),
  });
}

/** A filtered-out role before the last selected one is read (its facts may be needed); after it, skipped. */
function markReadRoles(plays: PreparedPlay[]): void {
  const all = plays.flatMap((p) => p.roles);
  const lastRun = all.map((r) => r.mode).lastIndexOf('run');
  all.forEach((r, i) => {
    if (r.mode === 'skip' && i < lastRun) r.mode = 'read';
  });
}

/** Every variable layer the user wrote: inventory groups and hosts (vars files included), plays, role entries, -e. */
function userLayers(inventory: Inventory, playbook: Playbook, extraVars: VarLayer): VarLayer[] {
  return [
    ...[...inventory.groups.values()].map((g) => g.vars),
    ...[...inventory.hosts.values()].map((h) => h.vars),
    ...playbook.plays.flatMap((p) => [p.vars, ...p.roles.map((r) => r.params)]),
    extraVars,
  ];
}

/**
 * The connection keys, the engine's own, the secret table's, the variables of the roles in `plays`
 * and (unless `documented: false`) every role's documented variables.
 */
export function knownVariables(catalog: RoleCatalog, plays: PreparedPlay[] = [], o: { documented?: boolean } = {}): Set<string> {
  return new Set([
    ...CONNECTION_VARIABLES,
    ...ENGINE_VARIABLES,
    ...Object.keys(SECRET_VARIABLES),
    ...(o.documented === false ? [] : (catalog.documentedVariables?.() ?? [])),
    ...plays.flatMap((p) => p.roles.flatMap((r) => r.loaded.documented ?? Object.keys(r.loaded.defaults.vars))),
  ]);
}

/** `--limit @file`: one pattern per line (Ansible's retry files). */
function limitPattern(limit: string, cwd: string): string {
  if (!limit.startsWith('@')) return limit;
  const file = resolve(cwd, limit.slice(1));
  return readInputFile(file, MAX_YAML_BYTES, `--limit ${limit}`).split('\n').map((l) => l.trim()).filter(Boolean).join(',');
}

/** The variables of `host` for one role of one play, lowest precedence first. */
export function varsFor(p: Prepared, host: string, play: Play, role: PreparedRole, registered: Vars = {}): VarLayer {
  const def = p.inventory.hosts.get(host);
  const layer = mergeLayers([
    role.loaded.defaults,
    inventoryVars(p.inventory, host),
    play.vars,
    { vars: registered, origins: {} },
    role.entry.params,
    p.extraVars,
    layerFrom({ inventory_hostname: host, group_names: (def?.groups ?? []).filter((g) => g !== 'all' && g !== 'ungrouped') }),
  ]);
  markCliStrings(layer.vars, layer.cliStrings ?? []);
  return layer;
}

function validateAll(p: Prepared, varsOf: (pp: PreparedPlay, host: string, role: PreparedRole) => VarLayer): void {
  for (const pp of p.plays) {
    for (const host of [...pp.targets, ...pp.readOnly]) {
      for (const role of pp.roles) {
        if (role.mode === 'skip' || !role.loaded.role.validate) continue;
        const layer = varsOf(pp, host, role);
        try {
          role.loaded.role.validate(layer.vars);
        } catch (e) {
          if (!(e instanceof InputError)) throw e;
          const located = withVarOrigin(e, layer);
          throw new InputError(
            `play '${pp.play.name}', host ${host}: ${located.message}`,
            located.origin ?? role.entry.origin,
            located.hint,
          );
        }
      }
    }
  }
}

// A role written against its own typed variables: `vars` reads and checks them (InputError naming the
// variable), once per variables object the engine passes (validation, files and namedGroups share
// one before any host is touched; plan, facts and handlers share the run's). A role that
// declares `files` is held to it: a plan writing a file it did not declare is a bug in the role.
import { posix } from 'node:path';
import type { HostRef, Role, RoleContext, RunsOn, Vars } from '../../src/resources/role.js';
import type { FactQuery, Resource } from '../../src/resources/types.js';

export interface TypedRole<V> {
  name: string;
  vars(all: Vars): V;
  /** Every file path `plan` may write on this host, from the variables alone (see Role.files). */
  files?(v: V, host: HostRef): string[];
  /** Variables that name inventory groups → the names (see Role.namedGroups). */
  namedGroups?(v: V): Record<string, string[]>;
  facts?(v: V, ctx: RoleContext): Record<string, FactQuery>;
  plan(v: V, ctx: RoleContext): Resource[];
  /** What `plan` will read while it still waits for a fact (see Role.expectedReads). */
  expectedReads?(v: V, ctx: RoleContext): Resource[];
  handlers?(v: V, ctx: RoleContext): Record<string, Resource[]>;
  runsOn?(v: V, ctx: RoleContext): RunsOn;
  /** See Role.warmUp. */
  warmUp?(): void;
}

export function defineRole<V>(d: TypedRole<V>): Role {
  const { files, namedGroups, facts, expectedReads, handlers, runsOn, warmUp } = d;
  const read = new WeakMap<Vars, V>();
  const vars = (all: Vars): V => {
    if (read.has(all)) return read.get(all)!;
    const v = d.vars(all);
    read.set(all, v);
    return v;
  };
  return {
    name: d.name,
    validate: (all) => void vars(all),
    plan: (ctx) => {
      const v = vars(ctx.vars);
      const resources = d.plan(v, ctx);
      if (files) checkDeclared(d.name, files(v, ctx.host), resources);
      return resources;
    },
    ...(files ? { files: (all: Vars, host: HostRef) => files(vars(all), host) } : {}),
    ...(namedGroups ? { namedGroups: (all: Vars) => namedGroups(vars(all)) } : {}),
    ...(facts ? { facts: (ctx: RoleContext) => facts(vars(ctx.vars), ctx) } : {}),
    ...(expectedReads ? { expectedReads: (ctx: RoleContext) => expectedReads(vars(ctx.vars), ctx) } : {}),
    ...(handlers ? { handlers: (ctx: RoleContext) => handlers(vars(ctx.vars), ctx) } : {}),
    ...(runsOn ? { runsOn: (ctx: RoleContext) => runsOn(vars(ctx.vars), ctx) } : {}),
    ...(warmUp ? { warmUp } : {}),
  };
}

/** The file paths a plan writes (file and fileset resources). */
export function plannedFiles(resources: Resource[]): string[] {
  return resources.flatMap((r) => (r.kind === 'file' ? [r.path] : r.kind === 'fileset' ? r.files.map((f) => f.path) : []));
}

function checkDeclared(role: string, declared: string[], resources: Resource[]): void {
  const known = new Set(declared.map((p) => posix.normalize(p)));
  const undeclared = plannedFiles(resources).filter((p) => !known.has(posix.normalize(p)));
  if (undeclared.length) {
    throw new Error(`role ${role} plans ${undeclared.join(', ')} but does not declare it in files(): a bug in the role (the check that no two roles manage one file would miss it)`);
  }
}

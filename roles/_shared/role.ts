// A role written against its own typed variables: `vars` reads and checks them (InputError naming the
// variable), once for validation before any host is touched and again for each plan.
import type { Role, RoleContext, Vars } from '../../src/resources/role.js';
import type { FactQuery, Resource } from '../../src/resources/types.js';

export interface TypedRole<V> {
  name: string;
  vars(all: Vars): V;
  facts?(v: V, ctx: RoleContext): Record<string, FactQuery>;
  plan(v: V, ctx: RoleContext): Resource[];
  handlers?(v: V, ctx: RoleContext): Record<string, Resource[]>;
}

export function defineRole<V>(d: TypedRole<V>): Role {
  const { facts, handlers } = d;
  return {
    name: d.name,
    validate: (all) => void d.vars(all),
    plan: (ctx) => d.plan(d.vars(ctx.vars), ctx),
    ...(facts ? { facts: (ctx: RoleContext) => facts(d.vars(ctx.vars), ctx) } : {}),
    ...(handlers ? { handlers: (ctx: RoleContext) => handlers(d.vars(ctx.vars), ctx) } : {}),
  };
}

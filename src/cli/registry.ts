// `play registry …`: load the inventory as a run does (bad input: exit 3, nothing contacted), pick
// the host that talks to the registry, and run the action there through curl.
import { resolve } from 'node:path';
import { InputError } from '../errors.js';
import { defaultDeps } from '../engine/run/defaults.js';
import { findPlaybook } from '../engine/load/playbook.js';
import { prepare } from '../engine/load/prepare.js';
import { repoRoot } from '../engine/load/repo.js';
import { RegistryClient } from '../registry/client.js';
import { ls, parseReference, rm, rmNeedsYes, tags, type Io } from '../registry/commands.js';
import { redact } from '../secret.js';
import { verifyPlan } from '../verify/targets.js';
import { FILE_STORAGE, RegistryKubectl, registryDeployment, type RegistryDeployment } from '../registry/cluster.js';
import { RegistryGc } from '../registry/gc.js';
import { LocalTransport } from '../transports/local.js';
import type { Transport } from '../transports/types.js';
import type { Prepared } from '../engine/load/prepare.js';
import type { CliDeps, CliIO } from './cli.js';
import type { RegistryCliOptions } from './program.js';

export async function registryCommand(opts: RegistryCliOptions, io: CliIO, deps: CliDeps): Promise<number> {
  if (!['ls', 'tags', 'rm', 'gc'].includes(opts.action)) throw new InputError(`play registry ${opts.action}: unknown action`, undefined, 'ls, tags REPO, rm REPO:TAG|REPO@DIGEST or gc');
  if ((opts.action === 'ls' || opts.action === 'gc') && opts.reference) throw new InputError(`play registry ${opts.action} takes no reference`, undefined, opts.action === 'ls' ? 'play registry tags REPO lists one repository' : 'gc collects the whole registry: `play registry rm REPO:TAG` first, then gc');
  if (opts.deleteUntagged && opts.action !== 'gc') throw new InputError('--delete-untagged is for gc');
  if (opts.action === 'rm' && !opts.yes && !opts.dryRun && !io.confirm) throw rmNeedsYes();
  if (opts.action !== 'ls' && opts.action !== 'gc' && !opts.reference) throw new InputError(`play registry ${opts.action} needs a ${opts.action === 'tags' ? 'REPO' : 'REPO:TAG or REPO@DIGEST'}`);
  if (opts.action !== 'rm' && opts.yes) throw new InputError('--yes is for rm');
  if (opts.action !== 'rm' && opts.action !== 'gc' && opts.dryRun) throw new InputError('--dry-run is for rm and gc');
  const ref = opts.reference ? parseReference(opts.reference, { needsTagOrDigest: opts.action === 'rm' }) : undefined;
  if (opts.action === 'tags' && (ref?.tag || ref?.digest)) throw new InputError(`play registry tags ${opts.reference}: give the repository only`);

  const prepared = await prepare({ playbook: findPlaybook(opts.playbook, io.cwd, repoRoot()), inventory: resolve(io.cwd, opts.inventory), extraVars: opts.extraVars, cwd: io.cwd, env: io.env, catalog: deps.catalog });
  const plan = verifyPlan(prepared);
  const via = plan.pusher ?? plan.targets[0];
  if (!via) throw new InputError('no host to reach the registry from: the playbook runs neither docker-trust nor containerd-trust on any inventory host');
  const user = opts.user ? via.users.find((u) => u.name === opts.user) : via.users[0];
  if (!user) throw new InputError(`--user ${opts.user}: not one of registry_users (${via.users.map((u) => u.name).join(', ')})`);
  const deployment = opts.action === 'gc' ? registryDeployment(prepared) : undefined;
  if (opts.action === 'gc' && !deployment) throw new InputError('play registry gc: the playbook runs k8s-apply on no inventory host, so there is no registry Deployment to collect in', undefined, 'gc runs where k8s-apply runs kubectl (the first control_plane host, or the controller)');
  if (deployment && !FILE_STORAGE.includes(deployment.storageKind)) {
    throw new InputError(`play registry gc: registry_storage_kind ${deployment.storageKind} is object storage: gc sees uploads in flight and the bytes freed as files in the registry's volume (${FILE_STORAGE.join(', ')})`, undefined, "run the registry's own garbage-collect in a read-only window yourself (storage.maintenance.readonly), see the README");
  }

  const transport = (deps.connect ?? defaultDeps.connect)(prepared.connections.get(via.host)!);
  await transport.connect();
  try {
    const client = new RegistryClient({ name: via.name, port: via.port, caFile: via.caFile, user: user.name, password: user.password.reveal() }, (command, stdin) => transport.exec(command, { stdin }));
    const out: Io = {
      out: (s) => io.stdout.write(redact(s)),
      err: (s) => io.stderr.write(redact(s)),
      ...(io.confirm ? { confirm: io.confirm } : {}),
    };
    if (opts.verbose) out.err(`play registry: via ${via.host} (${via.runtime} trust ${via.caFile}) as ${user.name}\n`);
    if (opts.action === 'ls') return await ls(client, out);
    if (opts.action === 'tags') return await tags(client, ref!, out);
    if (opts.action === 'gc') return await withKubectl(deployment!, prepared, via.host, transport, deps, async (k) => new RegistryGc(k, client, { deleteUntagged: opts.deleteUntagged, dryRun: opts.dryRun, timeoutSeconds: deployment!.rolloutTimeout, ...(io.signal ? { signal: io.signal } : {}) }, out).run());
    return await rm(client, ref!, { yes: opts.yes, dryRun: opts.dryRun }, out);
  } finally {
    await transport.close();
  }
}

/** kubectl where k8s-apply runs it: on its control-plane host (one more connection unless it is `via`), or here. */
async function withKubectl(d: RegistryDeployment, prepared: Prepared, viaHost: string, via: Transport, deps: CliDeps, fn: (k: RegistryKubectl) => Promise<number>): Promise<number> {
  const own = d.host === viaHost ? undefined : d.host ? (deps.connect ?? defaultDeps.connect)(prepared.connections.get(d.host)!) : new LocalTransport({ host: 'localhost' });
  const transport = own ?? via;
  if (own) await own.connect();
  try {
    return await fn(new RegistryKubectl(d, (command, stdin) => transport.exec(command, stdin === undefined ? {} : { stdin })));
  } finally {
    if (own) await own.close();
  }
}

// `play registry gc`: the registry's own garbage collector in a read-only window.
//
// distribution's `registry garbage-collect` is stop-the-world: a blob pushed while it marks would be
// swept before its manifest arrives. So: refuse while a push is in flight; switch the registry to
// maintenance read-only (the env REGISTRY_STORAGE_MAINTENANCE_READONLY on its container, applied
// server-side by a field manager of its own, so k8s-apply's objects are untouched and the next
// `play site.yaml` sees no drift); wait for the rollout and until a push is refused (405); run the
// collector in the registry's container (`kubectl exec`) against the same storage and config; and
// always restore write mode (the manager applies nothing, so its env entry is removed), which also
// restarts the registry and so drops its stale in-memory blob cache. A run that was killed inside
// the window leaves the env entry behind: the next gc sees it and finishes the job.
import type { RegistryClient } from './client.js';
import { RegistryError } from './client.js';
import { REGISTRY_EXIT } from './commands.js';
import type { RegistryKubectl } from './cluster.js';
import { formatBytes, parseBlobSizes, parseCollector, parseUploads, type CollectorReport } from './gc-output.js';
import { RegistryUnreachable } from './http.js';
import type { ExecResult } from '../transports/types.js';

export const GC_FIELD_MANAGER = 'regplay-gc';
export const READONLY_ENV = 'REGISTRY_STORAGE_MAINTENANCE_READONLY';
/** An upload written to within this many minutes is a push in flight; an older one is abandoned. */
export const IN_FLIGHT_MINUTES = 5;

export const GC_EXIT = { ok: REGISTRY_EXIT.ok, failed: REGISTRY_EXIT.refused, unreachable: REGISTRY_EXIT.unreachable, busy: REGISTRY_EXIT.busy } as const;

export interface GcOptions {
  deleteUntagged: boolean;
  dryRun: boolean;
  /** How long the rollouts and the switch to and from read-only may take. */
  timeoutSeconds: number;
  signal?: AbortSignal;
  sleep?: (ms: number) => Promise<void>;
}

export interface GcIo {
  out(text: string): void;
  err(text: string): void;
}

/** A step of gc failed; the message says which and what the registry or kubectl said. */
export class GcError extends Error {}

const lastLine = (r: ExecResult) => (r.stderr.trim() || r.stdout.trim()).split('\n').filter(Boolean).pop() ?? `exit ${r.code}`;

export class RegistryGc {
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly k: RegistryKubectl,
    private readonly client: RegistryClient,
    private readonly o: GcOptions,
    private readonly io: GcIo,
  ) {
    this.sleep = o.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  private get where(): string {
    return `${this.k.d.namespace}/${this.k.d.name}`;
  }

  async run(): Promise<number> {
    try {
      return await this.collect();
    } catch (e) {
      if (e instanceof GcError || e instanceof RegistryError) {
        this.io.err(`play registry gc: ${e.message}\n`);
        return GC_EXIT.failed;
      }
      if (e instanceof RegistryUnreachable) {
        this.io.err(`play registry gc: the registry is unreachable: ${e.message}\n`);
        return GC_EXIT.unreachable;
      }
      throw e;
    }
  }

  private async collect(): Promise<number> {
    const flags = this.o.deleteUntagged ? ['--delete-untagged'] : [];
    const live = await this.k.deployment();
    if (!live) throw new GcError(`cannot read the registry Deployment ${this.where} with kubectl: ${lastLine(await this.k.kubectl(['get', 'deployment', this.k.d.name]))} — run \`play site.yaml\` first`);
    const unfinished = readOnlyEnvOf(live) !== undefined;

    if (this.o.dryRun) {
      if (unfinished) this.io.err(`play registry gc: the registry is still read-only from a gc that did not finish: run \`play registry gc\` (without --dry-run) to finish it and restore write mode\n`);
      const report = await this.collector(['--dry-run', ...flags]);
      const sizes = await this.blobSizes();
      const bytes = report.eligibleBlobs.reduce((n, d) => n + (sizes.get(d) ?? 0), 0);
      this.io.out(`would free ${formatBytes(bytes)}: ${describe(report)} (dry run of the registry's garbage-collect; nothing deleted, no read-only window)\n`);
      for (const d of report.eligibleBlobs) this.io.out(`  ${d}  ${sizes.get(d) ?? '?'} bytes\n`);
      return GC_EXIT.ok;
    }

    if (unfinished) {
      this.io.err(`play registry gc: the registry is still read-only from a gc that did not finish (${READONLY_ENV} set by field manager ${GC_FIELD_MANAGER}): finishing it\n`);
    } else {
      const pushing = await this.uploadsInFlight();
      if (pushing.length) {
        this.io.err(
          `play registry gc: a push is in flight (an upload to ${pushing.join(', ')} was written to in the last ${IN_FLIGHT_MINUTES} minutes): refusing, nothing changed — run gc again when the push has finished\n`,
        );
        return GC_EXIT.busy;
      }
      const preview = await this.collector(['--dry-run', ...flags]);
      if (!preview.eligibleBlobs.length && !preview.eligibleManifests.length) {
        this.io.out(`nothing to collect: ${preview.empty ? 'the registry stores no repository' : `all ${preview.marked} blobs are in use`} (no read-only window was needed)\n`);
        return GC_EXIT.ok;
      }
    }

    const before = await this.blobSizes();
    let result: CollectorReport | undefined;
    let failure: unknown;
    try {
      await this.switchTo(true);
      if (!this.o.signal?.aborted) result = await this.collector(flags);
    } catch (e) {
      failure = e;
    }
    // always, whatever happened in the window
    try {
      await this.switchTo(false);
    } catch (e) {
      if (failure instanceof Error) throw new GcError(`${failure.message}; and then restoring write mode failed: ${(e as Error).message}`);
      throw e;
    }
    if (failure) throw failure;
    if (!result) {
      this.io.err(`play registry gc: interrupted before the collector ran; write mode is restored, nothing deleted\n`);
      return this.o.signal?.reason === 'SIGTERM' ? 143 : 130;
    }
    const after = await this.blobSizes();
    const gone = [...before.keys()].filter((d) => !after.has(d));
    const freed = gone.reduce((n, d) => n + before.get(d)!, 0);
    this.io.out(`freed ${formatBytes(freed)}: ${gone.length} blob${gone.length === 1 ? '' : 's'} deleted from the registry's storage${result.eligibleManifests.length ? `, ${result.eligibleManifests.length} untagged manifests` : ''}; ${result.marked} blobs in use\n`);
    for (const d of gone) this.io.out(`  ${d}  ${before.get(d)} bytes\n`);
    return GC_EXIT.ok;
  }

  /** `registry garbage-collect` in the registry's container, with the config it serves with. */
  private async collector(flags: string[]): Promise<CollectorReport> {
    const r = await this.k.exec(['registry', 'garbage-collect', ...flags, this.k.d.configPath]);
    const report = parseCollector(r.stdout, r.stderr);
    if (r.code !== 0 && !report.empty) throw new GcError(`the registry's garbage-collect${flags.includes('--dry-run') ? ' --dry-run' : ''} failed in ${this.where}: ${lastLine(r)}`);
    return report;
  }

  private async blobSizes(): Promise<Map<string, number>> {
    const r = await this.k.exec(['find', `${this.k.d.dataDir}/docker/registry/v2/blobs`, '-type', 'f', '-name', 'data', '-exec', 'stat', '-c', '%s %n', '{}', '+']);
    if (r.code !== 0 && !/No such file/.test(r.stderr)) throw new GcError(`cannot list the blobs in ${this.where}'s storage (${this.k.d.dataDir}): ${lastLine(r)}`);
    return parseBlobSizes(r.stdout);
  }

  private async uploadsInFlight(): Promise<string[]> {
    const r = await this.k.exec(['find', `${this.k.d.dataDir}/docker/registry/v2/repositories`, '-path', '*/_uploads/*', '-type', 'f', '-name', 'data', '-mmin', `-${IN_FLIGHT_MINUTES}`]);
    if (r.code !== 0 && !/No such file/.test(r.stderr)) throw new GcError(`cannot list the uploads in ${this.where}'s storage (${this.k.d.dataDir}): ${lastLine(r)}`);
    return parseUploads(r.stdout);
  }

  /** Read-only on or off: apply, wait for the rollout, then until the registry answers that way. */
  private async switchTo(readOnly: boolean): Promise<void> {
    const mode = readOnly ? 'read-only' : 'write';
    const manifest = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: this.k.d.name, namespace: this.k.d.namespace },
      ...(readOnly ? { spec: { template: { spec: { containers: [{ name: this.k.d.container, env: [{ name: READONLY_ENV, value: '{"enabled": true}' }] }] } } } } : {}),
    };
    const applied = await this.k.kubectl(['apply', '--server-side', `--field-manager=${GC_FIELD_MANAGER}`, '-f', '-'], `${JSON.stringify(manifest)}\n`);
    if (applied.code !== 0) throw new GcError(`switching ${this.where} to ${mode} mode failed: ${lastLine(applied)}${readOnly ? '' : restoreHint(this.k.d.namespace, this.k.d.name)}`);
    const rolled = await this.k.rollout(this.o.timeoutSeconds);
    if (rolled.code !== 0) throw new GcError(`${this.where} did not roll out in ${mode} mode: ${lastLine(rolled)}${readOnly ? '' : restoreHint(this.k.d.namespace, this.k.d.name)}`);
    const deadline = Date.now() + this.o.timeoutSeconds * 1000;
    for (;;) {
      let seen: boolean | undefined;
      try {
        seen = await this.client.readOnly();
      } catch (e) {
        if (!(e instanceof RegistryUnreachable) || Date.now() > deadline) throw e;
      }
      if (seen === readOnly) break;
      if (Date.now() > deadline) throw new GcError(`${this.where} rolled out but still ${readOnly ? 'accepts' : 'refuses'} pushes after ${this.o.timeoutSeconds} s`);
      await this.sleep(1000);
    }
    this.io.err(`play registry gc: ${this.where} serves ${readOnly ? 'read-only (a push is refused)' : 'read-write again'}\n`);
  }
}

/** The read-only env entry on the registry's container, when a gc left it there. */
export function readOnlyEnvOf(deployment: Record<string, any>): string | undefined {
  const containers: Array<{ env?: Array<{ name: string; value?: string }> }> = deployment.spec?.template?.spec?.containers ?? [];
  return containers.flatMap((c) => c.env ?? []).find((e) => e.name === READONLY_ENV)?.value;
}

function describe(r: CollectorReport): string {
  return `${r.eligibleBlobs.length} blob${r.eligibleBlobs.length === 1 ? '' : 's'}${r.eligibleManifests.length ? ` and ${r.eligibleManifests.length} untagged manifests` : ''} eligible for deletion, ${r.marked} blobs in use`;
}

function restoreHint(namespace: string, name: string): string {
  return ` — the registry may still be read-only: run \`play registry gc\` again, or remove the env ${READONLY_ENV} from deployment ${namespace}/${name}`;
}

// Kubernetes API stand-in: the object store, persisted as one JSON file in the state dir,
// with a resourceVersion counter and watch events.
import { EventEmitter } from 'node:events';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';

export type Obj = Record<string, any>;
export type WatchType = 'ADDED' | 'MODIFIED' | 'DELETED';
export interface WatchEvent {
  type: WatchType;
  object: Obj;
}

interface StateFile {
  resourceVersion: number;
  objects: Record<string, Obj>;
}

export function objectKey(apiVersion: string, kind: string, namespace: string | undefined, name: string): string {
  return [apiVersion, kind, namespace ?? '', name].join('|');
}

export function keyOf(o: Obj): string {
  return objectKey(o.apiVersion, o.kind, o.metadata?.namespace, o.metadata?.name);
}

export class Store {
  readonly events = new EventEmitter();
  private state: StateFile;
  private readonly file: string;

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    this.file = join(dir, 'objects.json');
    this.state = existsSync(this.file)
      ? (JSON.parse(readFileSync(this.file, 'utf8')) as StateFile)
      : { resourceVersion: 1, objects: {} };
    this.events.setMaxListeners(0);
  }

  get resourceVersion(): string {
    return String(this.state.resourceVersion);
  }

  get(apiVersion: string, kind: string, namespace: string | undefined, name: string): Obj | undefined {
    const o = this.state.objects[objectKey(apiVersion, kind, namespace, name)];
    return o ? structuredClone(o) : undefined;
  }

  list(apiVersion: string, kind: string, namespace?: string): Obj[] {
    return Object.values(this.state.objects)
      .filter((o) => o.apiVersion === apiVersion && o.kind === kind && (!namespace || o.metadata.namespace === namespace))
      .sort((a, b) => keyOf(a).localeCompare(keyOf(b)))
      .map((o) => structuredClone(o));
  }

  all(): Obj[] {
    return Object.values(this.state.objects).map((o) => structuredClone(o));
  }

  /** Stores the object; fills uid/creationTimestamp on create and bumps resourceVersion. */
  put(o: Obj): Obj {
    const key = keyOf(o);
    const existing = this.state.objects[key];
    const stored = structuredClone(o);
    stored.metadata.uid = existing?.metadata.uid ?? stored.metadata.uid ?? randomUUID();
    stored.metadata.creationTimestamp =
      existing?.metadata.creationTimestamp ?? stored.metadata.creationTimestamp ?? now();
    this.state.resourceVersion += 1;
    stored.metadata.resourceVersion = String(this.state.resourceVersion);
    this.state.objects[key] = stored;
    this.save();
    this.events.emit('event', { type: existing ? 'MODIFIED' : 'ADDED', object: structuredClone(stored) } satisfies WatchEvent);
    return structuredClone(stored);
  }

  delete(o: Obj): Obj | undefined {
    const key = keyOf(o);
    const existing = this.state.objects[key];
    if (!existing) return undefined;
    delete this.state.objects[key];
    this.state.resourceVersion += 1;
    existing.metadata.resourceVersion = String(this.state.resourceVersion);
    this.save();
    this.events.emit('event', { type: 'DELETED', object: structuredClone(existing) } satisfies WatchEvent);
    return structuredClone(existing);
  }

  private save(): void {
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.state, null, 1));
    renameSync(tmp, this.file);
  }
}

export function now(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, 'Z');
}

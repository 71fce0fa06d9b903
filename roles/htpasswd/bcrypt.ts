// bcrypt off the event loop: bcryptjs in a worker thread. A cost-10 hash or check takes ~80 ms of
// CPU (bcryptjs's own async form still runs it on the main thread, in 100 ms slices), which would
// stop every other host's work meanwhile. One worker per process, made on first use or by
// startBcrypt (the role's warm-up); it keeps the process alive only while it has work.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

const SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const bcrypt = require(workerData);
parentPort.on('message', ({ id, op, password, arg }) => {
  try {
    parentPort.postMessage({ id, value: op === 'hash' ? bcrypt.hashSync(password, arg) : bcrypt.compareSync(password, arg) });
  } catch (e) {
    parentPort.postMessage({ id, error: e instanceof Error ? e.message : String(e) });
  }
});`;

interface Pending {
  resolve: (value: never) => void;
  reject: (e: Error) => void;
}

let worker: Worker | undefined;
let nextId = 0;
const pending = new Map<number, Pending>();

function started(): Worker {
  if (worker) return worker;
  const w = new Worker(SOURCE, { eval: true, workerData: createRequire(import.meta.url).resolve('bcryptjs') });
  w.on('message', ({ id, value, error }: { id: number; value?: never; error?: string }) => {
    const p = pending.get(id);
    pending.delete(id);
    if (!pending.size) w.unref();
    if (error !== undefined) p?.reject(new Error(`bcrypt: ${error}`));
    else p?.resolve(value!);
  });
  w.on('error', (e) => {
    worker = undefined;
    for (const p of pending.values()) p.reject(e);
    pending.clear();
  });
  w.unref();
  worker = w;
  return w;
}

/** Starts the worker ahead of the first hash or check (its start-up is the slow part). */
export function startBcrypt(): void {
  started();
}

function call<T>(op: 'hash' | 'compare', password: string, arg: string | number): Promise<T> {
  const w = started();
  const id = nextId++;
  w.ref();
  return new Promise<T>((resolve, reject) => {
    pending.set(id, { resolve: resolve as (v: never) => void, reject });
    w.postMessage({ id, op, password, arg });
  });
}

/** A `$2b$` hash of `password` at `cost`. */
export function bcryptHash(password: string, cost: number): Promise<string> {
  return call('hash', password, cost);
}

/** Whether `hash` is a bcrypt hash of `password`. */
export function bcryptCompare(password: string, hash: string): Promise<boolean> {
  return call('compare', password, hash);
}

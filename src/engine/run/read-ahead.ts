// One read per host per run: the first role of a host that must read also reads what the host's
// later roles (of every play it is in) will read, in the same exec; a later role finds its records
// there and costs no exec. Records stay good only while nothing else ran on the host's connection:
// any other exec (an apply, a handler) may have changed what they describe, so they are dropped.
import { CommandError } from '../../errors.js';
import { parseRecords, type ReadRecord } from '../../facts/records.js';
import type { Transport } from '../../transports/types.js';
import { newMarker } from '../kinds/script-util.js';
import { buildReadScript, type ReadItem } from './read-script.js';

const itemKey = (item: ReadItem): string => JSON.stringify(item);

export class ReadAhead {
  readonly #records = new Map<string, ReadRecord>();
  /** The connection's exec count right after the read the records come from. */
  #readAt = -1;

  /** `ahead`: what the host's roles from here on will read, as far as it can be known now. */
  constructor(
    private readonly transport: Transport,
    private readonly ahead: () => ReadItem[],
  ) {}

  /** The records of `items` by position: from the last read if it holds them all, else from a new one (with what lies ahead). */
  async read(items: ReadItem[]): Promise<Map<number, ReadRecord>> {
    this.dropStale();
    if (items.some((i) => !this.#records.has(itemKey(i)))) await this.fetch(items);
    return new Map(items.map((item, idx) => [idx, { ...this.#records.get(itemKey(item))!, idx }]));
  }

  /** Reads what lies ahead now, unless it is all read already (a host about to wait for another host's fact). */
  async prefetch(): Promise<void> {
    this.dropStale();
    await this.fetch([]);
  }

  private dropStale(): void {
    if (this.transport.roundTrips === this.#readAt) return;
    this.#records.clear();
    this.#readAt = -1;
  }

  private async fetch(needed: ReadItem[]): Promise<void> {
    const keys = new Set<string>();
    const items = [...needed, ...this.ahead()].filter((item) => {
      const key = itemKey(item);
      if (keys.has(key) || this.#records.has(key)) return false;
      keys.add(key);
      return true;
    });
    if (!items.length) return;
    const marker = newMarker();
    const before = this.transport.roundTrips;
    const res = await this.transport.exec('sh -s', { stdin: buildReadScript(items, marker) });
    if (res.code !== 0) throw new CommandError(this.transport.host, this.transport.user, 'sh -s (read state)', res.code, res.stderr);
    const records = parseRecords(res.stdout, marker);
    // Something else ran on the connection meanwhile: the older records may be stale.
    if (this.transport.roundTrips !== before + 1) this.#records.clear();
    this.#readAt = this.transport.roundTrips;
    items.forEach((item, i) => {
      const record = records.get(i);
      if (record) this.#records.set(itemKey(item), record);
    });
  }
}

const readAheads = new WeakMap<Transport, ReadAhead>();

/** Reads on this transport go through `ahead` (the run attaches one per host connection). */
export function attachReadAhead(transport: Transport, ahead: ReadAhead): void {
  readAheads.set(transport, ahead);
}

export function readAheadOf(transport: Transport): ReadAhead | undefined {
  return readAheads.get(transport);
}

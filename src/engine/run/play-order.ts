// Hosts run ahead of each other: a host starts its next play as soon as it is done with its own part
// of the last one. Their events still come out play by play, as if every play ended before the next:
// events of a later play wait here (keeping the time they happened) until every host is done with
// the plays before it. A play opens once every host has decided whether it takes part in it.
import { stamp, type EngineEvent, type TimedEvent } from '../events.js';

export interface PlayOrderOptions {
  plays: number;
  hosts: string[];
  /** Where events go, in play order. */
  send: (e: TimedEvent) => void;
  /** The play's opening event (play-start), or nothing for a play that is not shown. */
  open: (play: number) => EngineEvent | undefined;
  /** The closing event (play-end) of a shown play. */
  close: (play: number) => EngineEvent;
}

export class PlayOrder {
  #started = false;
  #current = 0;
  #opened: boolean[] = [];
  #shown: boolean[] = [];
  readonly #held: TimedEvent[][];
  readonly #decided = new Map<string, number>();
  readonly #finished = new Map<string, number>();
  readonly #waiting = new Map<string, Array<{ play: number; wake: () => void }>>();

  constructor(private readonly o: PlayOrderOptions) {
    this.#held = Array.from({ length: o.plays }, () => []);
    for (const h of o.hosts) {
      this.#decided.set(h, -1);
      this.#finished.set(h, -1);
    }
  }

  /** From now on plays open (after the run's own first event). */
  start(): void {
    this.#started = true;
    this.flow();
  }

  /** An event of `play`: sent now, or held until the plays before it are over. */
  emit(play: number, e: EngineEvent): void {
    const timed = stamp(e);
    if (play <= this.#current && this.#opened[play]) this.o.send(timed);
    else this.#held[play]!.push(timed);
  }

  /** The host knows its part in `play` (the caller has recorded it): the play may open. */
  decided(host: string, play: number): void {
    this.#decided.set(host, play);
    this.flow();
  }

  /** The host is done with `play` (and every play before it). */
  finished(host: string, play: number): void {
    this.#finished.set(host, play);
    const still = (this.#waiting.get(host) ?? []).filter((w) => {
      if (w.play > play) return true;
      w.wake();
      return false;
    });
    this.#waiting.set(host, still);
    this.flow();
  }

  /** Resolves once `host` is done with `play` (at once when it already is). */
  reached(host: string, play: number): Promise<void> {
    if ((this.#finished.get(host) ?? Infinity) >= play) return Promise.resolve();
    return new Promise((wake) => this.#waiting.set(host, [...(this.#waiting.get(host) ?? []), { play, wake }]));
  }

  /** Whether every host is done with `play`. */
  allPast(play: number): boolean {
    return this.least(this.#finished) >= play;
  }

  /** Whether `host` is done with `play`. */
  isPast(host: string, play: number): boolean {
    return (this.#finished.get(host) ?? Infinity) >= play;
  }

  private least(of: Map<string, number>): number {
    let min = Infinity;
    for (const v of of.values()) min = Math.min(min, v);
    return min;
  }

  private flow(): void {
    if (!this.#started) return;
    while (this.#current < this.o.plays) {
      const c = this.#current;
      if (!this.#opened[c]) {
        if (this.least(this.#decided) < c) return;
        this.#opened[c] = true;
        const opening = this.o.open(c);
        this.#shown[c] = opening !== undefined;
        if (opening) this.o.send(stamp(opening));
        for (const e of this.#held[c]!.splice(0)) this.o.send(e);
      }
      if (this.least(this.#finished) < c) return;
      if (this.#shown[c]) this.o.send(stamp(this.o.close(c)));
      this.#current++;
    }
  }
}

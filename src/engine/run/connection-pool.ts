// One connection per host for a whole run (the playbook run and `play verify` alike), opened on first
// use; callers that ask for the same host at once share one attempt and see the same error.
import type { Transport } from '../../transports/types.js';
import type { ConnectionParams } from '../load/inventory.js';

export class ConnectionPool {
  private readonly open = new Map<string, Promise<Transport>>();

  constructor(
    private readonly connect: (params: ConnectionParams) => Transport,
    private readonly connections: ReadonlyMap<string, ConnectionParams>,
  ) {}

  /** The host's transport, connected; rejects with the connection error. */
  get(host: string): Promise<Transport> {
    let t = this.open.get(host);
    if (!t) {
      t = (async () => {
        const transport = this.connect(this.connections.get(host)!);
        await transport.connect();
        return transport;
      })();
      this.open.set(host, t);
    }
    return t;
  }

  /** Closes every connection that opened; returns each such host's exec round trips. */
  async closeAll(): Promise<Map<string, number>> {
    const roundTrips = new Map<string, number>();
    for (const [host, t] of this.open) {
      try {
        const transport = await t;
        roundTrips.set(host, transport.roundTrips);
        await transport.close();
      } catch {
        // unreachable: nothing to close
      }
    }
    return roundTrips;
  }
}

// A free TCP port on loopback (tests only ever listen there or on lab addresses).
import { createServer } from 'node:net';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** A TCP listener on loopback that counts the connections it gets and closes each: point hosts at it to prove nothing connects. */
export interface ConnectionCounter {
  readonly port: number;
  readonly connections: number;
  close(): Promise<void>;
}

export async function countingListener(): Promise<ConnectionCounter> {
  let connections = 0;
  const server = createServer((s) => {
    connections++;
    s.destroy();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    get connections() {
      return connections;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

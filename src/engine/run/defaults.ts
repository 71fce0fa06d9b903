// The real executor and transports, wired as the engine's default dependencies.
import { LocalTransport } from '../../transports/local.js';
import { SshTransport } from '../../transports/ssh.js';
import type { Transport } from '../../transports/types.js';
import type { EngineDeps } from './deps.js';
import { executeRole, runHandlers } from './executor.js';
import type { ConnectionParams } from '../load/inventory.js';

export function connectTransport(c: ConnectionParams): Transport {
  if (c.transport === 'local') return new LocalTransport({ host: c.name, become: c.become, becomePassword: c.becomePassword });
  return new SshTransport({
    host: c.name,
    address: c.host,
    port: c.port,
    user: c.user,
    keyPath: c.sshKey,
    knownHostsPath: c.knownHosts,
    hostKeyChecking: c.hostKeyChecking,
    become: c.become,
    becomePassword: c.becomePassword,
  });
}

export const defaultDeps: EngineDeps = { executeRole, runHandlers, connect: connectTransport };

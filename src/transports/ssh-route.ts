// Where an SSH connection goes: the inventory's options merged with ~/.ssh/config (HostName, Port,
// User, IdentityFile, UserKnownHostsFile), and an optional single ProxyJump hop. What is not
// supported yet (ProxyCommand, several hops, a jump host that itself jumps) is a refusal.
import { existsSync, readFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import SSHConfig from 'ssh-config';
import { expandHome } from '../paths.js';

export interface RouteOptions {
  /** Inventory name. */
  host: string;
  /** Address or ~/.ssh/config alias; defaults to `host`. */
  address?: string;
  port?: number;
  user?: string;
  keyPath?: string;
  knownHostsPath?: string;
  /** Default ~/.ssh/config. */
  sshConfigPath?: string;
}

export interface Endpoint {
  address: string;
  port: number;
  user: string;
  keyPath?: string;
  knownHostsPath: string;
}

export interface Route {
  target: Endpoint;
  /** The ProxyJump host the target is reached through. */
  jump?: Endpoint;
  /** Why this route cannot be used (an unsupported ssh_config feature). */
  refusal?: string;
}

type Computed = Record<string, string | string[]>;

/** A keyword of a computed ssh_config block, whatever case it was written in. */
function option(computed: Computed, name: string): string | undefined {
  const key = Object.keys(computed).find((k) => k.toLowerCase() === name.toLowerCase());
  const v = key === undefined ? undefined : computed[key];
  return Array.isArray(v) ? v[0] : v;
}

function computeFor(alias: string, configPath: string): Computed {
  return existsSync(configPath) ? (SSHConfig.parse(readFileSync(configPath, 'utf8')).compute(alias) as Computed) : {};
}

interface JumpSpec {
  host: string;
  user?: string;
  port?: number;
}

/** `[ssh://][user@]host[:port]`, host possibly `[v6]`. */
export function parseJumpSpec(spec: string): JumpSpec {
  let rest = spec.replace(/^ssh:\/\//, '');
  let user: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    user = rest.slice(0, at);
    rest = rest.slice(at + 1);
  }
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(rest);
  if (bracketed) return { host: bracketed[1]!, user, port: bracketed[2] ? Number(bracketed[2]) : undefined };
  const colon = rest.split(':');
  if (colon.length === 2 && /^\d+$/.test(colon[1]!)) return { host: colon[0]!, user, port: Number(colon[1]) };
  return { host: rest, user };
}

function endpointFor(alias: string, computed: Computed, given: { port?: number; user?: string; keyPath?: string; knownHostsPath?: string }, fallback: { keyPath?: string; knownHostsPath?: string } = {}): Endpoint {
  const hostName = option(computed, 'HostName');
  const identity = option(computed, 'IdentityFile');
  const knownHosts = option(computed, 'UserKnownHostsFile')?.split(/\s+/)[0];
  const port = option(computed, 'Port');
  return {
    address: hostName ? hostName.replace(/%h/g, alias) : alias,
    port: given.port ?? (port ? Number(port) : 22),
    user: given.user ?? option(computed, 'User') ?? userInfo().username,
    keyPath: given.keyPath ?? (identity ? expandHome(identity) : fallback.keyPath),
    knownHostsPath: given.knownHostsPath ?? (knownHosts ? expandHome(knownHosts) : (fallback.knownHostsPath ?? join(homedir(), '.ssh', 'known_hosts'))),
  };
}

function proxyOf(computed: Computed): { jump?: string; command?: string } {
  const jump = option(computed, 'ProxyJump');
  const command = option(computed, 'ProxyCommand');
  return { jump: jump && jump.toLowerCase() !== 'none' ? jump : undefined, command: command && command.toLowerCase() !== 'none' ? command : undefined };
}

export function resolveRoute(o: RouteOptions): Route {
  const alias = o.address ?? o.host;
  const configPath = o.sshConfigPath ?? join(homedir(), '.ssh', 'config');
  const computed = computeFor(alias, configPath);
  const target = endpointFor(alias, computed, o);
  const proxy = proxyOf(computed);
  if (proxy.command) return { target, refusal: `ProxyCommand (from ${configPath}) is not supported yet: use ProxyJump with a single hop` };
  if (!proxy.jump) return { target };
  if (proxy.jump.includes(',')) return { target, refusal: `ProxyJump ${proxy.jump} has several hops: only a single hop is supported yet` };
  const spec = parseJumpSpec(proxy.jump);
  const jumpComputed = computeFor(spec.host, configPath);
  const jumpProxy = proxyOf(jumpComputed);
  if (jumpProxy.jump || jumpProxy.command) return { target, refusal: `jump host ${spec.host} is itself behind a proxy: only a single hop is supported yet` };
  // The jump host's own ssh_config entries first; else the target's key and known_hosts.
  const jump = endpointFor(spec.host, jumpComputed, { port: spec.port, user: spec.user }, { keyPath: target.keyPath, knownHostsPath: target.knownHostsPath });
  return { target, jump };
}

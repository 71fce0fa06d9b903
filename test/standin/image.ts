// Kubernetes API stand-in: which images the stand-in kubelet can "run" (the registry family, with the
// Debian docker-registry binary; redis, with Debian's redis-server, for regplay's managed Redis cache)
// and how the image's entrypoint turns command/args into an argv.

export interface ImageFile {
  path: string;
  content: string;
  mode: number;
}

export interface ImageProfile {
  family: 'registry' | 'redis';
  /** registry images: the major version (where the config is read). */
  major?: 2 | 3;
  /** The image's CMD (its ENTRYPOINT is /entrypoint.sh). */
  defaultArgs: string[];
  files: ImageFile[];
  dirs: string[];
}

export const REGISTRY_BINARY = '/usr/bin/docker-registry';
export const REDIS_BINARY = '/usr/bin/redis-server';

const DEFAULT_CONFIG = `version: 0.1
log:
  fields:
    service: registry
storage:
  cache:
    blobdescriptor: inmemory
  filesystem:
    rootdirectory: /var/lib/registry
http:
  addr: :5000
  headers:
    X-Content-Type-Options: [nosniff]
health:
  storagedriver:
    enabled: true
    interval: 10s
    threshold: 3
`;

export class ContainerStartError extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/** `registry:2*`, `registry:3*`, `registry` (latest = 3), `*distribution*` and `redis[:tag]` images; undefined otherwise. */
export function imageProfile(image: string): ImageProfile | undefined {
  const noDigest = image.split('@')[0]!;
  const hasDigest = image.includes('@');
  const last = noDigest.split('/').pop()!;
  const [name, tag] = last.includes(':') ? [last.slice(0, last.indexOf(':')), last.slice(last.indexOf(':') + 1)] : [last, undefined];
  // the official redis image: ENTRYPOINT docker-entrypoint.sh, CMD redis-server, WORKDIR /data
  if (name === 'redis' && /^(library\/)?redis$/.test(noDigest.replace(/^docker\.io\//, '').split(':')[0]!)) return { family: 'redis', defaultArgs: ['redis-server'], files: [], dirs: ['/data'] };
  const isDistribution = noDigest.includes('distribution');
  if (name !== 'registry' && !isDistribution) return undefined;
  let major: 2 | 3;
  if (tag === undefined) major = hasDigest ? 2 : 3;
  else if (tag.startsWith('2')) major = 2;
  else if (tag.startsWith('3') || tag === 'latest') major = 3;
  else if (isDistribution) major = 3;
  else return undefined;
  const configPath = major === 2 ? '/etc/docker/registry/config.yml' : '/etc/distribution/config.yml';
  return {
    family: 'registry',
    major,
    defaultArgs: [configPath],
    files: [{ path: configPath, content: DEFAULT_CONFIG, mode: 0o644 }],
    dirs: ['/var/lib/registry'],
  };
}

function mapExecutable(argv: string[]): string[] {
  const exe = argv[0];
  if (exe === 'registry' || exe === '/bin/registry' || exe === '/usr/bin/registry' || exe === '/usr/local/bin/registry')
    return [REGISTRY_BINARY, ...argv.slice(1)];
  if (exe === '/entrypoint.sh' || exe === 'entrypoint.sh') return entrypoint(argv.slice(1));
  throw new ContainerStartError(
    'StartError',
    `exec: ${JSON.stringify(exe)}: executable file not found in $PATH (the stand-in only runs the registry binary and /entrypoint.sh)`,
  );
}

/**
 * What `kubectl exec` may start in a registry container: the registry binary and the busybox tools
 * the Alpine-based images carry (the host's own tools stand in for busybox's: use only options both
 * have). Anything else is "executable file not found", as in the real image.
 */
const BUSYBOX = new Set(['sh', 'find', 'stat', 'du', 'ls', 'cat', 'wc', 'test', 'echo', 'true', 'false']);

export function execArgv(argv: string[]): string[] | undefined {
  const exe = argv[0] ?? '';
  if (['registry', '/bin/registry', '/usr/bin/registry', '/usr/local/bin/registry'].includes(exe)) return [REGISTRY_BINARY, ...argv.slice(1)];
  const name = /^(?:\/bin\/|\/usr\/bin\/)?([a-z]+)$/.exec(exe)?.[1];
  return name && BUSYBOX.has(name) ? [name, ...argv.slice(1)] : undefined;
}

/** The registry image's /entrypoint.sh. */
function entrypoint(args: string[]): string[] {
  const first = args[0] ?? '';
  if (/\.ya?ml$/.test(first)) return [REGISTRY_BINARY, 'serve', ...args];
  if (['serve', 'garbage-collect', 'help'].includes(first) || first.startsWith('-')) return [REGISTRY_BINARY, ...args];
  if (!args.length) throw new ContainerStartError('StartError', 'no command');
  return mapExecutable(args);
}

/** Kubelet's `$(VAR)` expansion in command, args and env values (`$$` escapes). */
export function expandVars(s: string, env: Record<string, string>): string {
  return s.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (m, name: string | undefined) => {
    if (m === '$$') return '$';
    return name !== undefined && name in env ? env[name]! : m;
  });
}

export function containerArgv(container: { command?: string[]; args?: string[] }, profile: ImageProfile, env: Record<string, string>): string[] {
  const command = container.command?.map((s) => expandVars(s, env));
  const args = container.args?.map((s) => expandVars(s, env));
  if (profile.family === 'redis') return command?.length ? redisExecutable([...command, ...(args ?? [])]) : redisEntrypoint(args ?? profile.defaultArgs);
  if (command?.length) return mapExecutable([...command, ...(args ?? [])]);
  return entrypoint(args ?? profile.defaultArgs);
}

/** The redis image's docker-entrypoint.sh: options (or a .conf file) go to redis-server, anything else is run. */
function redisEntrypoint(args: string[]): string[] {
  const first = args[0] ?? '';
  if (first.startsWith('-') || first.endsWith('.conf')) return [REDIS_BINARY, ...args];
  if (!args.length) throw new ContainerStartError('StartError', 'no command');
  return redisExecutable(args);
}

/** What the redis image has on its PATH that regplay's managed Redis uses: redis-server and sh. */
function redisExecutable(argv: string[]): string[] {
  const exe = argv[0];
  if (exe === 'redis-server' || exe === '/usr/local/bin/redis-server') return [REDIS_BINARY, ...argv.slice(1)];
  if (exe === 'docker-entrypoint.sh' || exe === '/usr/local/bin/docker-entrypoint.sh') return redisEntrypoint(argv.slice(1));
  if (exe === 'sh' || exe === '/bin/sh') return ['/bin/sh', ...argv.slice(1)];
  throw new ContainerStartError('StartError', `exec: ${JSON.stringify(exe)}: executable file not found in $PATH (the stand-in runs only redis-server and sh from a redis image)`);
}

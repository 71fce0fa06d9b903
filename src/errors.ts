// The few error classes of regplay. Only the CLI catches them and maps them to exit codes.

export interface Origin {
  file: string;
  line?: number;
  col?: number;
}

export function formatOrigin(o?: Origin): string {
  if (!o) return '';
  return o.line ? `${o.file}:${o.line}${o.col ? `:${o.col}` : ''}` : o.file;
}

/** Bad inventory, playbook, variables or flags: detected before any host is touched. */
export class InputError extends Error {
  constructor(
    message: string,
    readonly origin?: Origin,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'InputError';
  }
  describe(): string {
    const where = formatOrigin(this.origin);
    return `${where ? `${where}: ` : ''}${this.message}${this.hint ? `\n  -> ${this.hint}` : ''}`;
  }
}

/** A role refuses the host's current state (e.g. containerd config with both mirrors and config_path). */
export class StateError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'StateError';
  }
}

/**
 * A fact another host produces is not there yet (e.g. the registry Service has no IP before the
 * first apply). Under --check, where nothing is ever created, the step is reported skipped with this
 * reason instead of failed; in an apply it fails the host like any StateError. When the host that
 * must produce the fact has itself failed (or is unreachable) in this run, the waiting host is
 * reported blocked by it instead: one cause, one failure.
 */
export class PendingFactError extends StateError {
  constructor(
    message: string,
    hint?: string,
    /** The host that must produce the fact. */
    readonly producerHost?: string,
  ) {
    super(message, hint);
    this.name = 'PendingFactError';
  }
}

/** A remote command failed. Never carries stdin; argv must not contain secrets. */
export class CommandError extends Error {
  constructor(
    readonly host: string,
    readonly user: string,
    readonly command: string,
    readonly code: number | null,
    readonly stderr: string,
  ) {
    super(`while executing as ${user}@${host}: ${command}: exit ${code}${stderr ? `: ${stderr.trim().split('\n').slice(-3).join(' | ')}` : ''}`);
    this.name = 'CommandError';
  }
}

/** The host cannot be reached (connect, auth, host key). */
export class UnreachableError extends Error {
  constructor(
    readonly host: string,
    message: string,
  ) {
    super(`${host}: ${message}`);
    this.name = 'UnreachableError';
  }
}

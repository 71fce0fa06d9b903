// What the engine needs from a way of reaching a host. Transports supply only these.
export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  /** Data for the command's stdin (how secrets and file contents travel). */
  stdin?: string | Buffer;
}

export interface Transport {
  /** Inventory name of the host. */
  readonly host: string;
  /** Remote user, for error messages ("while executing as root@w1"). */
  readonly user: string;
  /** Exec round trips so far (for the bench). */
  readonly roundTrips: number;
  /** Opens the connection; throws UnreachableError. Idempotent. */
  connect(): Promise<void>;
  /** Runs a POSIX shell command string on the host (sudo-wrapped when become). Never throws on non-zero exit. */
  exec(command: string, opts?: ExecOptions): Promise<ExecResult>;
  close(): Promise<void>;
}

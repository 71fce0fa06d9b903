// Where the event stream goes: the human output, --json FILE or - (NDJSON on stdout, the human
// output then on stderr), --junit FILE. Every exit ends the stream, so the reports are written on
// bad input, on a bug and on Ctrl-C too.
import { resolve } from 'node:path';
import { stamp, type RunAbort, type TimedEvent } from '../engine/events.js';
import { humanReporter } from '../reporters/human.js';
import { jsonReporter, ndjsonReporter } from '../reporters/json.js';
import { junitReporter } from '../reporters/junit.js';
import type { CliIO } from './cli.js';
import { colorEnabled } from './color.js';

export interface ReportOptions {
  json?: string;
  junit?: string;
  verbose?: number;
  diff?: boolean;
}

export class Reports {
  private ended = false;
  private readonly started = Date.now();
  private readonly sinks: Array<(e: TimedEvent) => void> = [];

  constructor(o: ReportOptions, io: CliIO) {
    const streaming = o.json === '-';
    const human = streaming ? io.stderr : io.stdout;
    const tty = Boolean(human.isTTY);
    this.sinks.push(humanReporter({ write: (s) => human.write(s), tty, color: colorEnabled(io.env, tty), verbose: (o.verbose ?? 0) > 0, diff: o.diff ?? false, columns: human.columns }));
    if (streaming) this.sinks.push(ndjsonReporter((line) => io.stdout.write(line)));
    else if (o.json) this.sinks.push(jsonReporter(resolve(io.cwd, o.json)));
    if (o.junit) this.sinks.push(junitReporter(resolve(io.cwd, o.junit)));
  }

  readonly emit = (e: TimedEvent): void => {
    if (e.type === 'run-end') this.ended = true;
    for (const sink of this.sinks) sink(e);
  };

  /** Ends the stream when the run did not (bad input, a bug, interrupted before it started, no run asked for). */
  end(exitCode: number, aborted?: RunAbort): void {
    if (!this.ended) this.emit(stamp({ type: 'run-end', recap: {}, exitCode, durationMs: Date.now() - this.started, ...(aborted ? { aborted } : {}) }));
  }
}

/** --json/--junit values from a command line commander refused, so even a bad flag gets its report. */
export function reportFlags(argv: string[]): ReportOptions {
  const out: ReportOptions = {};
  argv.forEach((arg, i) => {
    for (const flag of ['json', 'junit'] as const) {
      if (arg === `--${flag}` && argv[i + 1] !== undefined) out[flag] = argv[i + 1];
      else if (arg.startsWith(`--${flag}=`)) out[flag] = arg.slice(flag.length + 3);
    }
  });
  return out;
}

// The human reporter: Ansible-like lines per host and step, coloured on a TTY, plain otherwise.
// Every line goes through redact().
import type { EngineEvent, StepStatus } from '../engine/events.js';
import { redact } from '../secret.js';
import { unifiedDiff } from './diff.js';
import { unhandled } from './never.js';
import { formatRecap } from './recap.js';

export interface HumanOptions {
  write: (text: string) => void;
  /** A terminal: the live status line is shown (and colours, unless `color` says otherwise). */
  tty: boolean;
  /** ANSI colours (FORCE_COLOR / NO_COLOR decided by the caller); default: tty. */
  color?: boolean;
  verbose: boolean;
  diff: boolean;
  /** Terminal width, for the live status line (default 80). */
  columns?: number;
}

const colors = { ok: 32, changed: 33, failed: 31, skipped: 36, unreachable: 31, blocked: 35, title: 1, dim: 2 } as const;

export function humanReporter(o: HumanOptions): (e: EngineEvent) => void {
  const color = o.color ?? o.tty;
  const paint = (c: keyof typeof colors, s: string) => (color ? `\x1b[${colors[c]}m${s}\x1b[0m` : s);
  // On a TTY the last line is a live status of what each host is doing, rewritten in place.
  const active = new Map<string, string>();
  let statusShown = false;
  const out = (s: string) => {
    const clear = statusShown ? '\r\x1b[2K' : '';
    statusShown = false;
    o.write(redact(clear + (s.endsWith('\n') ? s : `${s}\n`)));
  };
  const status = () => {
    if (!o.tty || !active.size) return;
    const line = [...active].map(([h, r]) => `${h}: ${r}`).join('  ');
    o.write(redact(`${statusShown ? '\r\x1b[2K' : ''}${paint('dim', `… ${line}`.slice(0, Math.max(10, (o.columns ?? 80) - 1)))}`));
    statusShown = true;
  };
  const readOnly = new Set<string>();
  let check = false;
  // A run that never started (bad input) has nothing to recap: the CLI prints the error.
  let started = false;
  const hostTag = (host: string, readOnlyRole = false) => (readOnlyRole || readOnly.has(host) ? `[${host} read-only]` : `[${host}]`);
  const statusWord = (s: StepStatus) => (s === 'skipped' ? 'skipping' : s === 'failed' ? 'failed' : s);

  return (e) => {
    report(e);
    if (e.type === 'role-start') active.set(e.host, e.role);
    if (e.type === 'host-failed' || e.type === 'host-unreachable' || e.type === 'host-blocked') active.delete(e.host);
    if (e.type === 'play-end' || e.type === 'run-end') active.clear();
    status();
  };

  function report(e: EngineEvent): void {
    switch (e.type) {
      case 'run-start':
        started = true;
        check = e.check;
        out(paint('title', `${check ? 'CHECK (nothing will be changed)' : 'RUN'} ${e.playbook} on ${e.hosts.join(', ') || '(no hosts)'}`));
        for (const w of e.warnings ?? []) out(paint('changed', `[WARNING]: ${w}`));
        break;
      case 'play-start': {
        readOnly.clear();
        e.readOnlyHosts.forEach((h) => readOnly.add(h));
        out(`\n${paint('title', `PLAY [${e.play}] ${'*'.repeat(Math.max(3, 60 - e.play.length))}`)}`);
        const absent = e.absent?.length ? `the inventory has no ${e.absent.map((n) => `'${n}'`).join(', ')}` : '';
        if (!e.hosts.length && !e.readOnlyHosts.length && e.outOfRun?.length) out(paint('skipped', `skipping: no hosts left (out of the run: ${e.outOfRun.join(', ')})`));
        else if (!e.hosts.length && !e.readOnlyHosts.length) out(paint('skipped', `skipping: no hosts matched${absent ? ` (${absent})` : ''}`));
        else if (absent) out(paint('skipped', `skipping ${e.absent!.join(', ')}: ${absent}`));
        if (e.readOnlyHosts.length) out(paint('dim', `read-only (outside --limit or --tags, facts only): ${e.readOnlyHosts.join(', ')}`));
        break;
      }
      case 'role-start':
        if (o.verbose) out(paint('dim', `${hostTag(e.host)} role ${e.role}`));
        break;
      case 'step': {
        const word = e.status === 'changed' && (check || e.readOnly || readOnly.has(e.host)) ? 'changed (check)' : statusWord(e.status);
        const why = e.why ? ` (${e.why})` : '';
        const err = e.error ? `: ${e.error}` : '';
        out(`${paint(e.status, `${word}: ${hostTag(e.host, e.readOnly)}`)} ${e.role} | ${e.step}${why}${err}`);
        for (const w of e.warnings ?? []) out(paint('changed', `[WARNING]: [${e.host}] ${e.role} | ${e.step}: ${w}`));
        if (o.verbose) for (const a of e.actions) out(paint('dim', `    - ${a}`));
        if (o.diff) for (const d of e.diffs ?? []) out(colorDiff(unifiedDiff(d), paint));
        break;
      }
      case 'handler': {
        const title = e.check && e.status === 'changed' ? 'HANDLER would run (check)' : `${e.check ? 'HANDLER' : 'RUNNING HANDLER'} ${statusWord(e.status)}`;
        out(`${paint(e.status, `${title}: ${hostTag(e.host)}`)} ${e.handler}${e.error ? `: ${e.error}` : ''}`);
        break;
      }
      case 'host-unreachable':
        out(paint('unreachable', `fatal: [${e.host}]: UNREACHABLE! => ${e.error}`));
        break;
      case 'host-failed':
        out(paint('failed', `fatal: [${e.host}]: FAILED in role ${e.role} => ${e.error}`));
        break;
      case 'host-blocked':
        out(paint('blocked', `blocked: [${e.host}]: role ${e.role} => blocked by ${e.by}: ${e.reason}`) + paint('dim', ` (${e.waitsFor})`));
        break;
      case 'play-end':
        break;
      case 'run-end':
        // Bad input or a bug: the CLI prints the error; there is no recap to show.
        if (!started || (e.aborted && e.aborted.reason !== 'interrupted')) break;
        if (e.aborted) out(paint('failed', `\nINTERRUPTED: ${e.aborted.message}`));
        out(`\n${formatRecap(e.recap)}`);
        if (o.verbose) out(paint('dim', `finished in ${(e.durationMs / 1000).toFixed(1)}s, exit ${e.exitCode}`));
        break;
      default:
        unhandled(e);
    }
  }
}

function colorDiff(text: string, paint: (c: keyof typeof colors, s: string) => string): string {
  return text
    .split('\n')
    .map((l) => (l.startsWith('+') && !l.startsWith('+++') ? paint('ok', l) : l.startsWith('-') && !l.startsWith('---') ? paint('failed', l) : l))
    .join('\n');
}

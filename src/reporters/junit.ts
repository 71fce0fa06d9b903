// --junit FILE: a testsuite per play, a testcase per host x step (and handler, connection,
// failure outside a step). Written when the run ends, also on bad input (the error as a failed
// testcase) and on Ctrl-C; redacted.
import { writeLocalFile } from '../local-file.js';
import type { EngineEvent } from '../engine/events.js';
import { redact } from '../secret.js';
import { unhandled } from './never.js';

interface Case {
  classname: string;
  name: string;
  seconds: number;
  failure?: string;
  /** true, or the reason when there is one worth reading (a blocked host). */
  skipped?: boolean | string;
  out?: string;
}

export function junitReporter(file: string): (e: EngineEvent) => void {
  const suites = new Map<string, Case[]>();
  const failedSteps = new Set<string>();
  const cases = (play: string) => {
    let c = suites.get(play);
    if (!c) suites.set(play, (c = []));
    return c;
  };
  return (e) => {
    switch (e.type) {
      case 'run-start':
      case 'role-start':
      case 'play-end':
        break;
      case 'play-start':
        cases(e.play);
        break;
      case 'step':
        if (e.status === 'failed') failedSteps.add(`${e.play}\0${e.host}\0${e.role}`);
        cases(e.play).push({
          classname: `${e.host}.${e.role}`,
          name: e.step,
          seconds: e.durationMs / 1000,
          failure: e.status === 'failed' ? (e.error ?? 'failed') : undefined,
          skipped: e.status === 'skipped',
          out: [`status: ${e.status}`, ...(e.why ? [`why: ${e.why}`] : []), ...e.actions.map((a) => `- ${a}`), ...(e.warnings ?? []).map((w) => `warning: ${w}`)].join('\n'),
        });
        break;
      case 'handler':
        cases(e.play).push({
          classname: `${e.host}.handlers`,
          name: e.handler,
          seconds: e.durationMs / 1000,
          failure: e.status === 'failed' ? (e.error ?? 'failed') : undefined,
          skipped: e.status === 'skipped',
          out: e.check && e.status === 'changed' ? 'status: would run (check mode: not run)' : `status: ${e.status}`,
        });
        break;
      case 'host-unreachable':
        cases(e.play).push({ classname: `${e.host}.connection`, name: 'connect', seconds: 0, failure: e.error });
        break;
      case 'host-blocked':
        cases(e.play).push({ classname: `${e.host}.${e.role}`, name: 'blocked', seconds: 0, skipped: `blocked by ${e.by}: ${e.reason}`, out: e.waitsFor });
        break;
      case 'host-failed':
        if (!failedSteps.has(`${e.play}\0${e.host}\0${e.role}`)) cases(e.play).push({ classname: `${e.host}.${e.role}`, name: 'role', seconds: 0, failure: e.error });
        break;
      case 'run-end':
        // The reason a run stopped early is a failure CI shows: bad input, Ctrl-C, a bug.
        if (e.aborted) cases(suites.size ? [...suites.keys()].at(-1)! : 'play').push({ classname: 'play', name: e.aborted.reason, seconds: 0, failure: e.aborted.message });
        writeLocalFile(file, redact(render(suites, e.durationMs)));
        break;
      default:
        unhandled(e);
    }
  };
}

function render(suites: Map<string, Case[]>, durationMs: number): string {
  const all = [...suites.values()].flat();
  const count = (cs: Case[]) => `tests="${cs.length}" failures="${cs.filter((c) => c.failure !== undefined).length}" skipped="${cs.filter((c) => c.skipped).length}"`;
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>', `<testsuites name="play" ${count(all)} time="${(durationMs / 1000).toFixed(3)}">`];
  for (const [play, cs] of suites) {
    lines.push(`  <testsuite name="${esc(play)}" ${count(cs)} time="${cs.reduce((s, c) => s + c.seconds, 0).toFixed(3)}">`);
    for (const c of cs) {
      lines.push(`    <testcase classname="${esc(c.classname)}" name="${esc(c.name)}" time="${c.seconds.toFixed(3)}">`);
      if (c.failure !== undefined) lines.push(`      <failure message="${esc(firstLine(c.failure))}">${esc(c.failure)}</failure>`);
      if (typeof c.skipped === 'string') lines.push(`      <skipped message="${esc(firstLine(c.skipped))}"/>`);
      else if (c.skipped) lines.push('      <skipped/>');
      if (c.out) lines.push(`      <system-out>${esc(c.out)}</system-out>`);
      lines.push('    </testcase>');
    }
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>', '');
  return lines.join('\n');
}

function firstLine(s: string): string {
  return s.split('\n')[0] ?? '';
}

function esc(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\x00-\x08\x0b\x0c\x0e-\x1f]/g, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

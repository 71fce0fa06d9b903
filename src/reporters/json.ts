// --json FILE: every event plus the recap, written at the end of the run (redacted).
import { writeLocalFile } from '../local-file.js';
import type { EngineEvent } from '../engine/events.js';
import { redact } from '../secret.js';
import { unhandled } from './never.js';

export function jsonReporter(file: string): (e: EngineEvent) => void {
  const events: EngineEvent[] = [];
  return (e) => {
    events.push(e);
    switch (e.type) {
      case 'run-start':
      case 'play-start':
      case 'role-start':
      case 'step':
      case 'handler':
      case 'host-unreachable':
      case 'host-failed':
      case 'host-blocked':
      case 'play-end':
        break;
      case 'run-end':
        writeLocalFile(file, redact(JSON.stringify({ recap: e.recap, exitCode: e.exitCode, durationMs: e.durationMs, events }, null, 2)) + '\n');
        break;
      default:
        unhandled(e);
    }
  };
}

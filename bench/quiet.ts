// Other work on the machine distorts every figure: wait for it to settle before measuring.
import { loadavg } from 'node:os';

/** Waits for other work on the machine to settle; says so in the notes when it did not. */
export async function waitQuiet(threshold: number, notes: string[], log: (msg: string) => void): Promise<void> {
  if (threshold <= 0) return;
  const deadline = Date.now() + 15 * 60_000;
  let said = false;
  while (loadavg()[0]! >= threshold) {
    if (Date.now() > deadline) {
      notes.push(`The machine never got quiet: the 1-minute load average stayed at or above ${threshold} for 15 minutes before the measurements.`);
      return;
    }
    if (!said) log(`waiting for the 1-minute load average (${loadavg()[0]!.toFixed(2)}) to drop below ${threshold}`);
    said = true;
    await new Promise((r) => setTimeout(r, 5000));
  }
}

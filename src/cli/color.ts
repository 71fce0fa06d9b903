// Colours: FORCE_COLOR wins (as in Node itself; 0/false turns them off), then NO_COLOR (no-color.org:
// set and not empty), then whether the output is a terminal.
export function colorEnabled(env: NodeJS.ProcessEnv, tty: boolean): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined) return !['0', 'false'].includes(force.toLowerCase());
  if (env.NO_COLOR) return false;
  return tty;
}

// node-trust's detection fact: the shared detection (src/facts/container-runtimes.ts); with `auto`,
// a host where nothing is found fails, naming what was looked for.
import { StateError } from '../../src/errors.js';
import { detectRuntimesScript, NOTHING_FOUND, parseRuntimeFacts, type RuntimeFacts } from '../../src/facts/container-runtimes.js';
import type { FactQuery } from '../../src/resources/types.js';

export function runtimeFactQuery(auto: boolean): FactQuery<RuntimeFacts> {
  return {
    argv: ['sh', '-c', detectRuntimesScript()],
    parse: (stdout) => {
      const facts = parseRuntimeFacts(stdout);
      if (auto && facts.runtimes.length === 0) throw new StateError(NOTHING_FOUND.message, NOTHING_FOUND.fix);
      return facts;
    },
  };
}

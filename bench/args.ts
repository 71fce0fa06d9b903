// `npm run bench -- --hosts 8 --runs 3 [--keep] [--no-site] [--no-build] [--out FILE] [--quiet-load X]`
import { parseArgs } from 'node:util';

export interface BenchArgs {
  hosts: number;
  runs: number;
  keep: boolean;
  site: boolean;
  build: boolean;
  out: string;
  /** Wait (up to 15 min) for the 1-minute load average to fall below this before measuring. */
  quietLoad: number;
}

export const USAGE = `usage: npm run bench -- [--hosts N] [--runs R] [--keep] [--no-site] [--no-build] [--out FILE]
  --hosts N    lab hosts: 1 control plane, N-2 workers, 1 build host (default 8; the issue also asks for 50)
  --runs R     runs per figure, at least 3 (default 3)
  --keep       leave the lab up afterwards (npm run lab:down removes it)
  --no-site    skip the \`play site.yaml\` figure
  --no-build   use dist/ as it is (default: npm run build first)
  --out FILE   results file (default bench/RESULTS.md)
  --quiet-load X  before measuring, wait up to 15 min for the 1-minute load average to drop below X
               (default 1; 0 = do not wait). Other work on the machine distorts every figure.`;

export function parseBenchArgs(argv: string[]): BenchArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      hosts: { type: 'string', default: '8' },
      runs: { type: 'string', default: '3' },
      keep: { type: 'boolean', default: false },
      'no-site': { type: 'boolean', default: false },
      'no-build': { type: 'boolean', default: false },
      out: { type: 'string', default: 'bench/RESULTS.md' },
      'quiet-load': { type: 'string', default: '1' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) throw new Error(USAGE);
  const hosts = Number(values.hosts);
  const runs = Number(values.runs);
  if (!Number.isInteger(hosts) || hosts < 3 || hosts > 200) throw new Error(`--hosts must be an integer from 3 to 200, got ${values.hosts}\n${USAGE}`);
  if (!Number.isInteger(runs) || runs < 3) throw new Error(`--runs must be an integer ≥ 3 (median and spread need three), got ${values.runs}\n${USAGE}`);
  const quietLoad = Number(values['quiet-load']);
  if (!Number.isFinite(quietLoad) || quietLoad < 0) throw new Error(`--quiet-load must be a number ≥ 0, got ${values['quiet-load']}\n${USAGE}`);
  return { quietLoad, hosts, runs, keep: values.keep!, site: !values['no-site'], build: !values['no-build'], out: values.out! };
}

// The CI examples in docs/ci/ against the real CLI: every `npx play` line they run is split into
// words by sh (with the CI's variables set), then run through play with --syntax-check appended in
// an infra directory shaped as the examples expect (inventory with `!env REGISTRY_PASSWORD`, committed
// known_hosts, the key file): the flags exist, parse, go together, and everything loads. Also checked:
// the merge-request job is the drift gate, the main job applies, and the JUnit file each run writes is
// the one the job uploads.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { buildProgram, readOptions } from '../../src/cli/program.js';
import { tempTree } from '../helpers/fakes.js';
import { repoRoot, runPlay } from '../helpers/play.js';

interface Job {
  name: string;
  /** When the job runs: GitHub's `if:`, GitLab's `rules[].if`. */
  when: string;
  scripts: string[];
  uploads: string[];
}

type Map = Record<string, unknown>;
const asMap = (v: unknown): Map => (v && typeof v === 'object' ? (v as Map) : {});
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : typeof v === 'string' ? [v] : []);

function githubJobs(file: string): Job[] {
  const doc = asMap(parse(readFileSync(file, 'utf8')));
  return Object.entries(asMap(doc.jobs)).map(([name, raw]) => {
    const steps = (asMap(raw).steps as Map[]) ?? [];
    return {
      name,
      when: String(asMap(raw).if ?? ''),
      scripts: steps.flatMap((s) => strings(s.run)),
      uploads: steps.filter((s) => String(s.uses ?? '').startsWith('actions/upload-artifact@')).flatMap((s) => strings(asMap(s.with).path)),
    };
  });
}

function gitlabJobs(file: string): Job[] {
  const doc = asMap(parse(readFileSync(file, 'utf8')));
  const before = strings(asMap(doc.default).before_script);
  return Object.entries(doc)
    .filter(([name, raw]) => !['stages', 'default', 'variables', 'workflow', 'include'].includes(name) && 'script' in asMap(raw))
    .map(([name, raw]) => {
      const job = asMap(raw);
      return {
        name,
        when: ((job.rules as Map[]) ?? []).map((r) => String(r.if ?? '')).join(' || '),
        scripts: [...(job.before_script ? strings(job.before_script) : before), ...strings(job.script)],
        uploads: strings(asMap(asMap(job.artifacts).reports).junit),
      };
    });
}

/** The `npx play ...` command lines of a script (backslash-newline continuations joined). */
function playLines(scripts: string[]): string[] {
  return scripts.flatMap((s) => s.replace(/\\\n/g, ' ').split('\n')).map((l) => l.trim()).filter((l) => /^npx play(\s|$)/.test(l));
}

/** The arguments `sh` passes to `npx play` for this line, with the CI's variables set. */
function shWords(line: string, env: Record<string, string>): string[] {
  const r = spawnSync('sh', ['-c', `npx() { shift; printf '%s\\0' "$@"; }\n${line}`], { env: { PATH: process.env.PATH, ...env }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`sh could not run: ${line}\n${r.stderr}`);
  return r.stdout.split('\0').slice(0, -1);
}

/** An infra repo as the examples expect it: inventory, committed known_hosts, a key file. */
function infraRepo(): string {
  const host = (port: number) => `{host: 127.0.0.1, port: ${port}}`;
  return tempTree({
    'inventory.yaml': `all:
  vars:
    known_hosts: known_hosts
    registry_name: registry.example.internal
    registry_port: 5000
    registry_users:
      - name: ci
        password: !env REGISTRY_PASSWORD
  children:
    control_plane: { hosts: { cp1: ${host(2201)} } }
    workers: { hosts: { w1: ${host(2202)} } }
    build: { hosts: { b1: ${host(2203)} } }
`,
    'known_hosts': '',
    'runner-temp/ssh_key': 'not a real key: --syntax-check never connects\n',
  });
}

const PASSWORD = 'ci-example-Secret-5d0b7e';
const examples = [
  { file: join(repoRoot, 'docs', 'ci', 'github-actions.yml'), jobs: githubJobs, mr: /pull_request/, main: /refs\/heads\/main/ },
  { file: join(repoRoot, 'docs', 'ci', 'gitlab-ci.yml'), jobs: gitlabJobs, mr: /merge_request_event/, main: /\$CI_DEFAULT_BRANCH/ },
];

for (const ex of examples) {
  const name = ex.file.slice(repoRoot.length + 1);

  test(`${name}: every npx play line parses and loads with the real CLI (--syntax-check, exit 0), secrets from the environment`, async (t) => {
    const dir = infraRepo();
    const vars = { RUNNER_TEMP: join(dir, 'runner-temp'), SSH_PRIVATE_KEY: join(dir, 'runner-temp', 'ssh_key') };
    const lines = ex.jobs(ex.file).flatMap((j) => playLines(j.scripts));
    t.true(lines.length >= 2, lines.join('\n'));
    for (const line of lines) {
      const args = shWords(line, vars);
      const r = await runPlay([...args, '--syntax-check'], { cwd: dir, env: { REGISTRY_PASSWORD: PASSWORD } });
      t.is(r.code, 0, `${line}\n${r.stdout}${r.stderr}`);
      t.regex(r.stdout, /syntax OK/, line);
      t.false((r.stdout + r.stderr).includes(PASSWORD));
    }
    // and without the secret in the environment the same line is bad input, not a silent empty password
    const r = await runPlay([...shWords(lines[0]!, vars), '--syntax-check'], { cwd: dir, env: { REGISTRY_PASSWORD: '' } });
    t.is(r.code, 3, r.stdout + r.stderr);
    t.regex(r.stderr, /REGISTRY_PASSWORD/);
  });

  test(`${name}: merge requests run the drift gate (--check --detailed-exitcode), main applies; checkout, npm ci, and the JUnit file each run writes is uploaded`, (t) => {
    const jobs = ex.jobs(ex.file).filter((j) => playLines(j.scripts).length);
    const vars = { RUNNER_TEMP: '/tmp/runner', SSH_PRIVATE_KEY: '/tmp/key' };
    const options = (j: Job) =>
      playLines(j.scripts).map((l) => {
        const program = buildProgram().configureOutput({ writeOut: () => {}, writeErr: () => {} });
        program.parse(shWords(l, vars), { from: 'user' });
        return readOptions(program);
      });
    const gate = jobs.filter((j) => ex.mr.test(j.when));
    const apply = jobs.filter((j) => ex.main.test(j.when));
    t.is(gate.length, 1, jobs.map((j) => `${j.name}: ${j.when}`).join('\n'));
    t.is(apply.length, 1, jobs.map((j) => `${j.name}: ${j.when}`).join('\n'));
    t.false(ex.main.test(gate[0]!.when), 'the gate does not run on main');
    t.false(ex.mr.test(apply[0]!.when), 'apply does not run on merge requests');
    for (const o of options(gate[0]!)) t.like(o, { check: true, detailedExitcode: true, playbook: 'site.yaml' });
    for (const o of options(apply[0]!)) t.like(o, { check: false, detailedExitcode: false, playbook: 'site.yaml' });
    for (const j of [...gate, ...apply]) {
      const junit = options(j).map((o) => o.junit);
      t.true(junit.every((f) => f !== undefined && j.uploads.includes(f)), `${j.name}: --junit ${junit.join(', ')} vs uploaded ${j.uploads.join(', ')}`);
      t.true(j.scripts.some((s) => /^npm ci(\s|$)/m.test(s)), `${j.name}: npm ci`);
    }
    const text = readFileSync(ex.file, 'utf8');
    if (name.includes('github')) t.regex(text, /uses: actions\/checkout@v\d/); // GitLab checks out by itself
    t.notRegex(text, /REGISTRY_PASSWORD=|password:\s*[^!\s]/, 'no secret value in the file');
  });
}

test('the examples are in the package (docs/ is in "files") and the README links them', (t) => {
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { files: string[] };
  t.true(pkg.files.includes('docs/'));
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  for (const f of ['docs/ci/github-actions.yml', 'docs/ci/gitlab-ci.yml']) t.true(readme.includes(`(${f})`), f);
});

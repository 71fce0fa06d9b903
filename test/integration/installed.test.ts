// regplay as a platform team uses it from its own infra repo: `npm pack` here, `npm install -D
// ./regplay-x.y.z.tgz` into a directory holding only an inventory and group_vars, then `npx play`
// there against the lab (cp1 control plane with the Kubernetes API stand-in, w1 worker, b1 build).
// The built-in site playbook converges the hosts (a real push and a real pull prove it); then the
// project's own playbooks/site.yaml and roles/dns-hosts win over the built-in ones, and its own
// roles in JavaScript and TypeScript (written against docs/roles.md) write files on the hosts.
import test from 'ava';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labSupport, labUp, type Lab } from '../lab/index.js';
import { makeTestImage } from '../lab/image.js';
import { run, type RunResult } from '../lab/run.js';
import { missing, serialUnless } from '../helpers/lab-test.js';
import { registryVars } from '../helpers/lab-vars.js';
import { fingerprint } from '../helpers/host-state.js';
import { repoRoot } from '../helpers/play.js';

const support = labSupport({ standin: true });
const serial = serialUnless(missing(support));

const NAME = 'registry.lab';
const ADDRESS = `${NAME}:5000`;
const PASSWORD = 'alice-Installed-pw-7c2e94';
const { version } = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string };

let lab: Lab;
let work: string;
/** The user's infra repo: inventory, group_vars, node_modules/regplay from the tarball. */
let project: string;

/** What `npm pack` needs to build the package from its sources (no dist/: prepack/prepare make it). */
const SOURCES = ['package.json', 'package-lock.json', 'tsconfig.json', 'README.md', 'bin', 'scripts', 'src', 'roles', 'playbooks', 'templates', 'docs'];

async function must(cmd: string, args: string[], cwd: string): Promise<string> {
  const r = await run(cmd, args, { cwd, env: process.env });
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} in ${cwd} failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

interface Run extends RunResult {
  recap: Record<string, { changed: number; failed: number }>;
}

/** `npx play ARGS` in the project, as its user runs it. */
async function npxPlay(args: string[]): Promise<Run> {
  const json = join(work, `run-${Date.now()}-${Math.random().toString(16).slice(2)}.json`);
  const r = await run('npx', ['play', ...args, '--json', json], { cwd: project, env: { ...process.env, NO_COLOR: '1', REG_ALICE_PW: PASSWORD } });
  if ((r.stdout + r.stderr).includes(PASSWORD)) throw new Error('the password appeared in the output');
  const recap = existsSync(json) ? (JSON.parse(readFileSync(json, 'utf8')) as { recap: Run['recap'] }).recap : {};
  return { ...r, recap };
}
const output = (r: RunResult) => `${r.stdout}\n${r.stderr}`;

test.before(async () => {
  if (!support.ok) return;
  work = mkdtempSync(join(tmpdir(), 'installed-'));
  const sources = join(work, 'regplay-src');
  for (const part of SOURCES) cpSync(join(repoRoot, part), join(sources, part), { recursive: true });
  symlinkSync(join(repoRoot, 'node_modules'), join(sources, 'node_modules'));
  const packed = JSON.parse(await must('npm', ['pack', '--json', '--pack-destination', work], sources)) as Array<{ filename: string }>;
  const tarball = join(work, packed[0]!.filename);

  lab = await labUp({ name: `installed-${process.pid}`, hosts: { cp1: ['control_plane'], w1: ['workers'], b1: ['build'] }, standin: true });
  project = join(work, 'infra');
  mkdirSync(join(project, 'group_vars'), { recursive: true });
  writeFileSync(join(project, 'inventory.yaml'), readFileSync(lab.inventoryPath, 'utf8'));
  writeFileSync(join(project, 'group_vars', 'all.yaml'), registryVars({ name: NAME, port: 5000, user: 'alice', passwordEnv: 'REG_ALICE_PW', pullNamespaces: ['default'] }));
  // In the lab the Service's cluster IP is routed through cp1 (the stand-in's kube-proxy), which b1 can reach.
  writeFileSync(join(project, 'group_vars', 'build.yaml'), 'dns_hosts_ip_source: cluster_ip\n');
  // Dependencies come from the npm cache that `npm ci` filled; only metadata missing there is fetched.
  await must('npm', ['install', '-D', tarball, '--prefer-offline', '--no-audit', '--no-fund'], project);
});

test.after.always(async () => {
  await lab?.down();
  if (work) rmSync(work, { recursive: true, force: true });
});

serial('the tarball installs the runnable package only; `npx play --version` prints its version', async (t) => {
  const installed = join(project, 'node_modules', 'regplay');
  for (const part of ['dist/src/cli/main.js', 'dist/roles/certs/index.js', 'playbooks/site.yaml', 'roles/certs/defaults.yaml', 'templates/k8s/deployment.yaml.hbs']) {
    t.true(existsSync(join(installed, part)), part);
  }
  for (const part of ['src', 'test', 'roles/certs/index.ts']) t.false(existsSync(join(installed, part)), part);
  const r = await run('npx', ['play', '--version'], { cwd: project, env: process.env });
  t.is(r.code, 0, output(r));
  t.is(r.stdout, `${version}\n`);
});

serial('`npx play site.yaml` runs the built-in site playbook and roles: b1 pushes over TLS with the login it was given, w1 pulls with containerd; a --check re-run has nothing to do', async (t) => {
  const r = await npxPlay(['site.yaml']);
  t.is(r.code, 0, output(r));
  t.true(r.stdout.includes(`RUN ${join(project, 'node_modules', 'regplay', 'playbooks', 'site.yaml')} on `), r.stdout);
  for (const host of ['cp1', 'w1', 'b1']) t.is(r.recap[host]?.failed, 0, host);

  t.regex(await lab.sh('cp1', 'kubectl --kubeconfig /root/.kube/config -n registry get deployment registry -o name'), /deployment.*\/registry/);
  const ca = (await lab.readFile('cp1', '/registry/certs/ca.crt'))!;
  t.regex(ca, /BEGIN CERTIFICATE/);
  t.is(await lab.readFile('w1', `/etc/containerd/certs.d/${ADDRESS}/ca.crt`), ca);
  t.is(await lab.readFile('b1', `/etc/docker/certs.d/${ADDRESS}/ca.crt`), ca);

  const image = makeTestImage(join(lab.dir, 'image'));
  const push = await lab.exec('b1', `skopeo copy --retry-times 0 ${image.ref} docker://${ADDRESS}/installed:1`);
  t.is(push.code, 0, push.stderr);
  await lab.writeFile('w1', '/root/.registry-credential', `alice:${PASSWORD}`, 0o600);
  const pull = await lab.exec('w1', `ctr image pull --hosts-dir /etc/containerd/certs.d --user "$(cat /root/.registry-credential)" ${ADDRESS}/installed:1`);
  t.is(pull.code, 0, pull.stderr);

  const drift = await npxPlay(['site.yaml', '--check', '--detailed-exitcode']);
  t.is(drift.code, 0, output(drift));
});

const OWN_PLAYBOOK = `- name: our own roles
  hosts: workers:build
  roles: [motd-js, motd-ts]

- name: our own name resolution
  hosts: build
  roles: [dns-hosts]
`;

// Plain JavaScript (ESM, since the project's package.json says "type": "module").
const MOTD_JS = `export default {
  name: 'motd-js',
  plan: (ctx) => [{ kind: 'file', path: '/etc/motd-regplay-js', content: \`managed by regplay on \${ctx.host.name} (\${ctx.host.groups.join(',')})\\n\` }],
};
`;

// TypeScript (an interface and type annotations: plain node could not load it) importing the
// contract and an error class from the installed package.
const MOTD_TS = `import { InputError, type Resource, type Role } from 'regplay';

interface MotdVars {
  motd_text: string;
}

const role: Role = {
  name: 'motd-ts',
  validate(vars) {
    if (typeof vars.motd_text !== 'string' || vars.motd_text === '') throw new InputError('motd_text must be a non-empty string', undefined, 'set motd_text in group_vars');
  },
  plan(ctx): Resource[] {
    const v = ctx.vars as unknown as MotdVars;
    return [
      { kind: 'directory', path: '/etc/motd.d', mode: '0755' },
      { kind: 'file', path: '/etc/motd.d/regplay', content: \`\${v.motd_text} (\${ctx.host.name})\\n\`, mode: '0644' },
    ];
  },
};

export default role;
`;

const OWN_DNS_HOSTS = `export default {
  name: 'dns-hosts',
  plan: () => [{ kind: 'file', path: '/etc/regplay-own-dns-hosts', content: 'the project dns-hosts role ran\\n' }],
};
`;

serial('the project\'s playbooks/site.yaml and roles/dns-hosts win over the built-in ones; its own JavaScript and TypeScript roles write their files on the hosts (a .ts role first needs "type": "module": exit 3 with that fix); a re-run changes nothing', async (t) => {
  const files: Record<string, string> = {
    'playbooks/site.yaml': OWN_PLAYBOOK,
    'roles/motd-js/index.js': MOTD_JS,
    'roles/motd-ts/index.ts': MOTD_TS,
    'roles/motd-ts/defaults.yaml': 'motd_text: welcome\n',
    'roles/dns-hosts/index.js': OWN_DNS_HOSTS,
    'group_vars/workers.yaml': 'motd_text: worker node, ask the platform team\n',
  };
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(join(project, rel, '..'), { recursive: true });
    writeFileSync(join(project, rel), content);
  }
  // npm install made a CommonJS package.json: a .ts role there is refused with the fix, nothing touched
  const refused = await npxPlay(['site.yaml']);
  t.is(refused.code, 3, output(refused));
  t.regex(refused.stderr, /roles\/motd-ts\/index\.ts: a TypeScript role in a CommonJS package[^]*npm pkg set type=module/);
  t.is(await lab.readFile('w1', '/etc/motd-regplay-js'), null);
  await must('npm', ['pkg', 'set', 'type=module'], project);
  const b1Hosts = await fingerprint(lab, 'b1', ['/etc/hosts']);

  const r = await npxPlay(['site.yaml']);
  t.is(r.code, 0, output(r));
  t.true(r.stdout.includes(`RUN ${join(project, 'playbooks', 'site.yaml')} on `), r.stdout);
  t.deepEqual(Object.keys(r.recap).sort(), ['b1', 'w1'], 'only the hosts of the project playbook');

  t.is(await lab.readFile('w1', '/etc/motd-regplay-js'), 'managed by regplay on w1 (all,workers)\n');
  t.is(await lab.readFile('b1', '/etc/motd-regplay-js'), 'managed by regplay on b1 (all,build)\n');
  t.is(await lab.readFile('w1', '/etc/motd.d/regplay'), 'worker node, ask the platform team (w1)\n', 'group_vars above the role defaults');
  t.is(await lab.readFile('b1', '/etc/motd.d/regplay'), 'welcome (b1)\n', 'the role\'s own defaults.yaml');
  t.is(await lab.readFile('b1', '/etc/regplay-own-dns-hosts'), 'the project dns-hosts role ran\n');
  t.is(await fingerprint(lab, 'b1', ['/etc/hosts']), b1Hosts, 'the built-in dns-hosts did not run');
  t.is(await lab.readFile('cp1', '/etc/motd-regplay-js'), null);

  const again = await npxPlay(['site.yaml']);
  t.is(again.code, 0, output(again));
  t.like(again.recap, { w1: { changed: 0, failed: 0 }, b1: { changed: 0, failed: 0 } });
});

serial('an InputError that the TypeScript role imports from regplay is bad input: exit 3 naming the variable, no host touched', async (t) => {
  const before = await fingerprint(lab, 'w1', ['/etc/motd.d/regplay', '/etc/motd-regplay-js']);
  const r = await npxPlay(['site.yaml', '-e', '{motd_text: ""}']);
  t.is(r.code, 3, output(r));
  t.regex(r.stderr, /motd_text must be a non-empty string\n\s+-> set motd_text in group_vars/);
  t.is(await fingerprint(lab, 'w1', ['/etc/motd.d/regplay', '/etc/motd-regplay-js']), before);
});

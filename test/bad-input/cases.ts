// Every class of bad input, one case each: the single source of the bad-input table in
// docs/bad-input.md (`npm run docs:bad-input` regenerates it; test/unit/bad-input-table.test.ts
// fails when it differs, runs each case and checks its exit code and message).
import type { ExecResult } from '../../src/transports/types.js';
import { siteInventory, type SiteProject } from '../helpers/site-project.js';

export interface BadInputCase {
  /** The class of bad input, as the table names it. */
  what: string;
  exit: number;
  /** Inventory additions (site-project.ts) and more files beside it. */
  project?: SiteProject;
  /** Replaces the whole inventory. */
  inventory?: string;
  /** Arguments after the playbook; the playbook is the built-in site.yaml unless `playbook` is given. */
  args?: string[];
  playbook?: string;
  /** `play verify …` / `play registry …`: the words after `play` (verify: the playbook follows them; registry: `--playbook` is added). */
  command?: string[];
  /**
   * For the refusals that need the registry's own answer (unknown repository or tag, unreachable, a
   * push in flight): the hosts regplay reaches it from are scripted, replaying distribution's and
   * curl's answers. test/integration/registry.test.ts gets the same exits and messages from the
   * real registry in the lab.
   */
  scripted?: (command: string, stdin: string) => ExecResult;
  message: RegExp;
}

const http = (status: number, body = '', headers = '') => ({ code: 0, stdout: `HTTP/1.1 ${status} X\r\nContent-Type: application/json\r\n${headers}\r\n${body}`, stderr: '' });
const NAME_UNKNOWN = '{"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known to registry","detail":{"name":"nosuch/app"}}]}';
/** The registry as curl on the build host sees it: team/app with tags 1 and 2, nothing else. */
const registryAnswers = (_command: string, stdin: string): ExecResult => {
  const url = /url = "https:\/\/[^/]+(\/[^"]*)"/.exec(stdin)?.[1] ?? '';
  if (/^\/v2\/team\/app\/tags\/list/.test(url)) return http(200, '{"name":"team/app","tags":["1","2"]}');
  if (/^\/v2\/nosuch\/app\//.test(url)) return http(404, NAME_UNKNOWN);
  return http(404, '{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}');
};
const unreachable = (): ExecResult => ({ code: 6, stdout: '', stderr: 'curl: (6) Could not resolve host: registry.lab' });
/** kubectl on cp1 for gc: the Deployment, and an upload session written to a moment ago. */
const pushing = (command: string): ExecResult => {
  if (/ get deployment registry -o json$/.test(command)) return { code: 0, stdout: '{"spec":{"template":{"spec":{"containers":[{"name":"registry"}]}}}}', stderr: '' };
  if (/ exec deployment\/registry -c registry -- find \/var\/lib\/registry\/docker\/registry\/v2\/repositories /.test(command)) return { code: 0, stdout: '/var/lib/registry/docker/registry/v2/repositories/team/app/_uploads/7c1f0e2a/data\n', stderr: '' };
  return { code: 1, stdout: '', stderr: `unexpected: ${command}` };
};

const hosts = (body: string) => siteInventory().replace('        cp1:\n          host: 127.0.0.1\n          transport: local\n', `        cp1:\n          host: 127.0.0.1\n          transport: local\n${body.replace(/^/gm, '          ')}\n`);
const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]', ...'bcdefghi'.split('').map((c, i) => `${c}: &${c} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(',')}]`)].join('\n');

export const cases: BadInputCase[] = [
  { what: 'unknown command-line flag', exit: 3, args: ['--chek'], message: /unknown option '--chek'/ },
  { what: 'bad flag value', exit: 3, args: ['--forks', '0'], message: /--forks.*must be a whole number/ },
  { what: 'flag that needs another flag', exit: 3, args: ['--detailed-exitcode'], message: /--detailed-exitcode needs --check/ },
  { what: 'inventory not found', exit: 3, args: ['-i', 'nope.yaml'], message: /inventory nope\.yaml not found/ },
  { what: 'playbook not found', exit: 3, playbook: 'nope.yaml', message: /playbook nope\.yaml not found/ },
  { what: 'YAML syntax error', exit: 3, inventory: 'all:\n  hosts:\n    cp1: {port: 22\n', message: /inventory\.yaml:\d+:\d+: YAML syntax error/ },
  { what: 'YAML alias loop', exit: 3, project: { allVars: 'loop: &a [ *a ]' }, message: /inventory\.yaml:8:\d+: YAML alias \*a refers to a value that contains it/ },
  { what: 'YAML alias bomb', exit: 3, project: { files: { 'group_vars/all.yaml': bomb + '\n' } }, message: /all\.yaml:\d+:\d+: YAML aliases expand to more than 10000 values/ },
  { what: 'unknown YAML tag (a value starting with !)', exit: 3, project: { allVars: 'docker_login_password: !s3cret' }, message: /inventory\.yaml:8:\d+: unknown YAML tag \(its text is not shown/ },
  { what: '`!env` variable not set', exit: 3, project: { allVars: 'docker_login_password: !env REGPLAY_TABLE_UNSET' }, message: /environment variable REGPLAY_TABLE_UNSET is not set/ },
  { what: '`!env` variable empty', exit: 3, project: { allVars: 'docker_login_password: !env REGPLAY_TABLE_EMPTY' }, message: /environment variable REGPLAY_TABLE_EMPTY is empty/ },
  { what: '`!file` not a regular file (FIFO, device, directory)', exit: 3, project: { allVars: 'docker_login_password: !file /dev/zero' }, message: /\/dev\/zero \(used with !file\) is a character device: only a regular file is read/ },
  { what: '`!file` larger than 64 KiB', exit: 3, project: { allVars: 'docker_login_password: !file big.txt', files: { 'big.txt': 'x'.repeat(65 * 1024) } }, message: /big\.txt \(used with !file\) is 66560 bytes: more than the 65536/ },
  { what: 'inventory shape (unknown top-level key, group key)', exit: 3, inventory: 'all:\n  hots:\n    cp1: {}\n', message: /inventory\.yaml:2:3: unexpected key 'hots' in group all/ },
  { what: 'host defined twice with different connection settings', exit: 3, inventory: 'all:\n  children:\n    a:\n      hosts:\n        cp1: {port: 22}\n    b:\n      hosts:\n        cp1: {port: 2222}\n', message: /duplicate host cp1 with conflicting port/ },
  { what: 'connection setting of the wrong type', exit: 3, inventory: hosts('port: true'), message: /host cp1: port must be a whole number 1-65535 \(got the boolean true\)/ },
  { what: 'connection setting out of range', exit: 3, inventory: hosts('port: 65536'), message: /host cp1: port 65536 is out of range/ },
  { what: 'host_key_checking spelling', exit: 3, inventory: hosts('host_key_checking: maybe'), message: /host_key_checking must be strict, accept-new or off/ },
  { what: '`ssh_key` missing or not a file', exit: 3, inventory: hosts('ssh_key: /'), message: /host cp1: ssh key \/ is a directory, not a file/ },
  { what: 'playbook shape', exit: 3, playbook: 'play.yaml', project: { files: { 'play.yaml': '- hosts: all\n  rolez: [certs]\n' } }, message: /play\.yaml:2:3: 'rolez' is not a valid key of a play/ },
  { what: 'unknown role', exit: 3, playbook: 'play.yaml', project: { files: { 'play.yaml': '- hosts: all\n  roles: [cert]\n' } }, message: /unknown role 'cert'/ },
  { what: 'unknown group in a play (near miss)', exit: 3, playbook: 'play.yaml', project: { files: { 'play.yaml': '- hosts: wrokers\n  roles: [dns-hosts]\n' } }, message: /did you mean `workers`\?/ },
  { what: '`--limit` matching no host', exit: 3, args: ['--limit', 'nothere'], message: /--limit 'nothere': the inventory has no group or host 'nothere'/ },
  { what: 'unknown tag', exit: 3, args: ['--tags', 'nosuchtag'], message: /--tags nosuchtag: no play or role in the playbook has this tag/ },
  { what: '`-e` word that is not key=value', exit: 3, args: ['-e', 'oops'], message: /-e: word 1 is not key=value \(its text is not shown/ },
  { what: 'typo: a near miss of a known variable', exit: 3, project: { allVars: 'registry_prot: 5000' }, message: /inventory\.yaml:8:5: unknown variable `registry_prot`: did you mean `registry_port`\?/ },
  { what: 'secret given as plain text', exit: 3, project: { allVars: 'docker_login_password: hunter2-plain' }, message: /inventory\.yaml:8:5: docker_login_password is the docker login password, given as plain text \(its value is not shown\)/ },
  { what: 'secret given as plain text on the command line', exit: 3, args: ['-e', 'http_proxy=http://ci:hunter2@proxy.lab:3128'], message: /http_proxy is a proxy URL with credentials, given as plain text/ },
  { what: 'variable of the wrong type (no coercion)', exit: 3, project: { allVars: 'bcrypt_cost: "12"' }, message: /variable bcrypt_cost = "12": must be a whole number/ },
  { what: 'variable with an invalid value', exit: 3, args: ['-e', 'registry_name=Registry_Lab'], message: /variable registry_name = "Registry_Lab": must be a lower-case RFC 1123 DNS name/ },
  { what: '`registry_config_extra` setting a key regplay writes', exit: 3, project: { allVars: 'registry_config_extra:\n  proxy: {remoteurl: "https://mirror.lab"}\n  http: {tls: {key: /etc/other.key}}' }, message: /inventory\.yaml:8:\d+: .*variable registry_config_extra\.http = \(a mapping\): sets http\.tls: regplay writes http\.tls itself/ },
  { what: 'several replicas without shared storage', exit: 3, project: { allVars: 'registry_replicas: 2' }, message: /inventory\.yaml:8:\d+: .*variable registry_replicas = 2: needs storage shared by every replica, and the pvc claim is ReadWriteOnce/ },
  { what: 'required variable not set', exit: 3, inventory: siteInventory().replace('    registry_port: 5000\n', ''), message: /variable registry_port is not set/ },
  { what: '`play verify`: unknown flag', exit: 3, command: ['verify'], args: ['--keep-canray'], message: /unknown option '--keep-canray'/ },
  { what: '`play verify`: `--limit` matching no host', exit: 3, command: ['verify'], args: ['--limit', 'w9'], message: /--limit 'w9': the inventory has no group or host 'w9'/ },
  { what: '`play registry`: unknown action', exit: 3, command: ['registry', 'purge'], message: /play registry purge: unknown action/ },
  { what: '`play registry rm`: a digest that is not a digest', exit: 3, command: ['registry', 'rm', 'team/app@sha256:zz', '--yes'], message: /'sha256:zz' is not a digest/ },
  { what: '`play registry rm`: a repository name that is not one', exit: 3, command: ['registry', 'rm', 'Team/App:1', '--yes'], message: /'Team\/App' is not a repository name/ },
  { what: '`play registry rm`: no tag or digest', exit: 3, command: ['registry', 'rm', 'team/app', '--yes'], message: /say which image: REPO:TAG or REPO@DIGEST/ },
  { what: '`play registry rm` without a terminal and without `--yes`', exit: 3, command: ['registry', 'rm', 'team/app:1'], message: /without a terminal to confirm on, say --yes/ },
  { what: '`play registry`: `--user` not in registry_users', exit: 3, command: ['registry', 'ls', '--user', 'bob'], message: /--user bob: not one of registry_users \(ci\)/ },
  { what: '`play registry gc` with a reference', exit: 3, command: ['registry', 'gc', 'team/app:1'], message: /play registry gc takes no reference/ },
  { what: '`play registry gc` on object storage (s3, gcs, azure)', exit: 3, command: ['registry', 'gc'], args: ['-e', '{registry_storage_kind: s3, registry_storage_s3: {bucket: images, region: eu-west-1}}'], message: /registry_storage_kind s3 is object storage/ },
  { what: '`play registry rm`: unknown tag (the registry answers; nothing deleted)', exit: 5, command: ['registry', 'rm', 'team/app:9', '--yes'], scripted: registryAnswers, message: /team\/app: no tag '9' \(tags: 1, 2\); nothing deleted/ },
  { what: '`play registry rm`/`tags`: unknown repository (the registry answers; nothing deleted)', exit: 5, command: ['registry', 'rm', 'nosuch/app:1', '--yes'], scripted: registryAnswers, message: /repository nosuch\/app: not found \(NAME_UNKNOWN\); nothing deleted/ },
  { what: '`play registry`: the registry unreachable from the host that talks to it', exit: 4, command: ['registry', 'rm', 'team/app:1', '--yes'], scripted: unreachable, message: /the registry is unreachable: curl: \(6\) Could not resolve host: registry\.lab/ },
  { what: '`play registry gc` while a push is in flight (refused, not waited for)', exit: 7, command: ['registry', 'gc'], scripted: pushing, message: /a push is in flight \(an upload to team\/app was written to in the last 5 minutes\): refusing, nothing changed/ },
];

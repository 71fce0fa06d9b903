// Every class of bad input, one case each: the single source of the bad-input table in
// docs/bad-input.md (`npm run docs:bad-input` regenerates it; test/unit/bad-input-table.test.ts
// fails when it differs, runs each case and checks its exit code and message).
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
  message: RegExp;
}

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
  { what: 'required variable not set', exit: 3, inventory: siteInventory().replace('    registry_port: 5000\n', ''), message: /variable registry_port is not set/ },
];

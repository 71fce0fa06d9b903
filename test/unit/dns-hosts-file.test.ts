import test from 'ava';
import { removeHostsEntry, setHostsEntry } from '../../roles/dns-hosts/hosts-file.js';

const NAME = 'registry.lab';
const IP = '10.96.0.50';
const base = '127.0.0.1\tlocalhost\n# The following lines are desirable for IPv6 capable hosts\n::1     localhost ip6-localhost ip6-loopback\n10.1.0.5 cp1 cp1.lab\n';

const cases: Array<[string, string | null, string]> = [
  ['no change: the right mapping (tab-separated) is kept byte for byte', `${base}${IP}\t${NAME}  # ours\n`, `${base}${IP}\t${NAME}  # ours\n`],
  ['no change: the right mapping on a line with other names is kept', `${base}${IP} other ${NAME}\n`, `${base}${IP} other ${NAME}\n`],
  ['missing: the line is appended, every other line kept', base, `${base}${IP} ${NAME}\n`],
  ['missing, file without a final newline: the newline is added before the line', base.trimEnd(), `${base}${IP} ${NAME}\n`],
  ['no file: the file is just the mapping', null, `${IP} ${NAME}\n`],
  ['stale single-name line: replaced in place', `127.0.0.1 localhost\n10.96.0.9 ${NAME}\n10.1.0.5 cp1\n`, `127.0.0.1 localhost\n${IP} ${NAME}\n10.1.0.5 cp1\n`],
  [
    'stale line with several names: only our name is dropped, the fresh line follows it',
    `127.0.0.1 localhost\n10.96.0.9   mirror.lab ${NAME}\tcache.lab # shared box\n`,
    `127.0.0.1 localhost\n10.96.0.9   mirror.lab\tcache.lab # shared box\n${IP} ${NAME}\n`,
  ],
  ['two stale lines: the first becomes ours, the second is removed', `10.0.0.1 ${NAME}\n10.1.0.5 cp1\n10.0.0.2 ${NAME}\n`, `${IP} ${NAME}\n10.1.0.5 cp1\n`],
  ['right line plus a stale duplicate: the duplicate loses the name', `${IP} ${NAME}\n10.0.0.2 ${NAME} old\n`, `${IP} ${NAME}\n10.0.0.2 old\n`],
  ['names are compared case-insensitively', `10.0.0.1 Registry.LAB\n`, `${IP} ${NAME}\n`],
  ['a name that only contains ours (registry.lab.example) is not touched', `10.0.0.1 ${NAME}.example\n`, `10.0.0.1 ${NAME}.example\n${IP} ${NAME}\n`],
  ['our name in a comment is not a mapping', `# 10.0.0.1 ${NAME}\n`, `# 10.0.0.1 ${NAME}\n${IP} ${NAME}\n`],
  ['CRLF line endings are kept', `127.0.0.1 localhost\r\n10.0.0.1 ${NAME}\r\n`, `127.0.0.1 localhost\r\n${IP} ${NAME}\r\n`],
  // Found by mutation testing (npm run mutate -- hosts-file).
  ['no change: the right mapping indented', `  ${IP} ${NAME}\n`, `  ${IP} ${NAME}\n`],
  ['a stale line whose only name follows two spaces is replaced whole', `10.0.0.9  ${NAME}\n`, `${IP} ${NAME}\n`],
  ['our name after a run of spaces among others: it goes with all its leading spaces', `10.0.0.9 mirror.lab   ${NAME} cache.lab\n`, `10.0.0.9 mirror.lab cache.lab\n${IP} ${NAME}\n`],
  ['replaced in a file without a final newline: none is added', `10.0.0.1 ${NAME}`, `${IP} ${NAME}`],
];

for (const [what, current, expected] of cases) {
  test(`/etc/hosts ${what}`, (t) => {
    t.is(setHostsEntry(current, IP, NAME), expected);
  });
}

test('/etc/hosts with an IPv6 address: the same address in other letter case is no change, another one is replaced', (t) => {
  const current = `${base}FD00::50 ${NAME}\n`;
  t.is(setHostsEntry(current, 'fd00::50', NAME), current);
  t.is(setHostsEntry(current, 'fd00::51', NAME), `${base}fd00::51 ${NAME}\n`);
});

test('/etc/hosts edit is idempotent: applying it to its own result changes nothing', (t) => {
  for (const [, current] of cases) {
    const once = setHostsEntry(current, IP, NAME);
    t.is(setHostsEntry(once, IP, NAME), once);
  }
});

test('removeHostsEntry: only lines that are exactly "<address> <name>" go; commented, multi-name and other lines stay', (t) => {
  const text = `${base}10.9.0.7 cr.lab\n10.9.0.7 cr.lab # mine\n10.9.0.7 cr.lab other.lab\n10.9.0.8 cr.lab\n`;
  t.is(removeHostsEntry(text, '10.9.0.7', 'cr.lab'), `${base}10.9.0.7 cr.lab # mine\n10.9.0.7 cr.lab other.lab\n10.9.0.8 cr.lab\n`);
  t.is(removeHostsEntry(base, '10.9.0.7', 'cr.lab'), base, 'nothing to remove: unchanged');
  t.is(removeHostsEntry(null, '10.9.0.7', 'cr.lab'), null);
  const crlf = '127.0.0.1 localhost\r\n10.9.0.7 cr.lab\r\n10.9.0.8 other.lab\r\n';
  t.is(removeHostsEntry(crlf, '10.9.0.7', 'cr.lab'), '127.0.0.1 localhost\r\n10.9.0.8 other.lab\r\n', 'a CRLF file: the line goes, the others keep their CRLF');
});

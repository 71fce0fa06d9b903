import test from 'ava';
import { setFstabEntry, type FstabEntry } from '../../roles/fstab-nfs/fstab.js';

const entry: FstabEntry = { spec: 'nfs1:/export/registry', file: '/mnt/registry', vfstype: 'nfs', mntops: 'rw,hard,_netdev', freq: 0, passno: 0 };
const line = 'nfs1:/export/registry /mnt/registry nfs rw,hard,_netdev 0 0';
const base = '# /etc/fstab: static file system information.\nUUID=1234-abcd / ext4 errors=remount-ro 0 1\n/swapfile none swap sw 0 0\n';

const cases: Array<[string, string | null, string]> = [
  ['no change: the same entry with other spacing is kept byte for byte', `${base}nfs1:/export/registry\t/mnt/registry/  nfs  rw,hard,_netdev  0  0\n`, `${base}nfs1:/export/registry\t/mnt/registry/  nfs  rw,hard,_netdev  0  0\n`],
  ['missing: the line is appended, other lines kept', base, `${base}${line}\n`],
  ['missing, no final newline: a newline is added before the line', base.trimEnd(), `${base}${line}\n`],
  ['no file: the file is just the line', null, `${line}\n`],
  ['stale line for the mountpoint (old server): replaced in place', `${base.split('\n')[0]}\nold:/exp /mnt/registry nfs rw 0 0\n/swapfile none swap sw 0 0\n`, `${base.split('\n')[0]}\n${line}\n/swapfile none swap sw 0 0\n`],
  ['stale options: replaced', `${base}nfs1:/export/registry /mnt/registry nfs rw 0 0\n`, `${base}${line}\n`],
  ['two lines for the mountpoint: the first is replaced, the duplicate removed', `a:/x /mnt/registry nfs rw 0 0\n${base}b:/y /mnt/registry nfs ro 0 0\n`, `${line}\n${base}`],
  ['a commented-out line for the mountpoint is left alone', `#old:/exp /mnt/registry nfs rw 0 0\n`, `#old:/exp /mnt/registry nfs rw 0 0\n${line}\n`],
  ['a mountpoint below ours is another mountpoint', `x:/y /mnt/registry/sub nfs rw 0 0\n`, `x:/y /mnt/registry/sub nfs rw 0 0\n${line}\n`],
  ['no change: missing freq and passno count as 0 (as mount reads them)', `nfs1:/export/registry /mnt/registry nfs rw,hard,_netdev\n`, `nfs1:/export/registry /mnt/registry nfs rw,hard,_netdev\n`],
  ['no change: an indented line, and a mountpoint with several trailing slashes', `  nfs1:/export/registry /mnt/registry// nfs rw,hard,_netdev 0 0\n`, `  nfs1:/export/registry /mnt/registry// nfs rw,hard,_netdev 0 0\n`],
  ['only the server differs: replaced', `nfs2:/export/registry /mnt/registry nfs rw,hard,_netdev 0 0\n`, `${line}\n`],
  ['only the type differs: replaced', `nfs1:/export/registry /mnt/registry nfs4 rw,hard,_netdev 0 0\n`, `${line}\n`],
  ['only freq differs: replaced', `nfs1:/export/registry /mnt/registry nfs rw,hard,_netdev 1 0\n`, `${line}\n`],
  ['only passno differs: replaced', `nfs1:/export/registry /mnt/registry nfs rw,hard,_netdev 0 2\n`, `${line}\n`],
  ['a seventh field: replaced', `nfs1:/export/registry /mnt/registry nfs rw,hard,_netdev 0 0 x\n`, `${line}\n`],
  ['a line of only spec and mountpoint is ours: replaced', `nfs1:/export/registry /mnt/registry\n`, `${line}\n`],
  ['replaced in a file without a final newline: none is added', `# fs\nold:/x /mnt/registry nfs rw 0 0`, `# fs\n${line}`],
  ['CRLF line endings are kept', `# fs\r\nold:/x /mnt/registry nfs rw 0 0\r\n`, `# fs\r\n${line}\r\n`],
];

for (const [what, current, expected] of cases) {
  test(`/etc/fstab ${what}`, (t) => {
    t.is(setFstabEntry(current, entry), expected);
  });
}

test('/etc/fstab edit is idempotent: applying it to its own result changes nothing', (t) => {
  for (const [, current] of cases) {
    const once = setFstabEntry(current, entry);
    t.is(setFstabEntry(once, entry), once);
  }
});

test('/etc/fstab: missing options count as defaults', (t) => {
  const defaults = { ...entry, mntops: 'defaults' };
  const current = 'nfs1:/export/registry /mnt/registry nfs\n';
  t.is(setFstabEntry(current, defaults), current);
  t.is(setFstabEntry(current, entry), `${line}\n`);
});

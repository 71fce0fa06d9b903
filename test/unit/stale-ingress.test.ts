// The old Ingress host's trust directory is removed only when it is regplay's: a real directory
// holding exactly the files regplay writes there, each with regplay's content. The guard and the
// removal are shell run here on real directories (sh, sha256sum), as the roles run them on a host.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeOwnedDir, staleIngressHost } from '../../roles/_shared/stale-ingress.js';

const WANT = { 'ca.crt': 'CA PEM\n', 'hosts.toml': 'server = "https://cr.lab"\n' };
const status = (argv: string[]) => spawnSync(argv[0]!, argv.slice(1)).status;

function dirWith(files: Record<string, string>): string {
  const d = join(mkdtempSync(join(tmpdir(), 'owned-')), 'cr.lab');
  mkdirSync(d);
  for (const [f, c] of Object.entries(files)) writeFileSync(join(d, f), c);
  return d;
}

test('exactly regplay\'s files: the guard says remove, the command removes the directory', (t) => {
  const d = dirWith(WANT);
  const r = removeOwnedDir('x', d, WANT);
  t.not(status(r.unless!), 0);
  t.is(status(r.argv), 0);
  t.false(existsSync(d));
});

const kept: Array<[string, Record<string, string>]> = [
  ['other content', { ...WANT, 'ca.crt': 'another CA\n' }],
  ['a file of the user\'s next to them', { ...WANT, 'client.cert': 'mine' }],
  ['a hidden file', { ...WANT, '.keep': '' }],
  ['one of them missing', { 'ca.crt': WANT['ca.crt'] }],
];
for (const [why, files] of kept) {
  test(`kept whole: ${why}`, (t) => {
    t.is(status(removeOwnedDir('x', dirWith(files), WANT).unless!), 0);
  });
}

test('kept: no directory, or a symlink to one', (t) => {
  const d = dirWith(WANT);
  t.is(status(removeOwnedDir('x', join(d, 'nope'), WANT).unless!), 0);
  const link = `${d}-link`;
  symlinkSync(d, link);
  t.is(status(removeOwnedDir('x', link, WANT).unless!), 0);
  rmSync(link);
});

test('the old host is registry_ingress_host when the Ingress is off; nothing when on or unnamed', (t) => {
  t.is(staleIngressHost({ registry_ingress: false, registry_ingress_host: 'cr.lab' }), 'cr.lab');
  t.is(staleIngressHost({ registry_ingress: true, registry_ingress_host: 'cr.lab' }), undefined);
  t.is(staleIngressHost({ registry_ingress: false, registry_ingress_host: null }), undefined);
});

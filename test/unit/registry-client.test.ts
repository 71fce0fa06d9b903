// The registry client against a fake curl: pagination follows Link rel="next", HEAD sends every
// manifest Accept header, the credential travels in curl's config on stdin only.
import test from 'ava';
import { RegistryClient, MANIFEST_TYPES, nextLink } from '../../src/registry/client.js';
import { parseResponse, RegistryUnreachable } from '../../src/registry/http.js';
import { parseReference } from '../../src/registry/commands.js';
import { InputError } from '../../src/errors.js';

const endpoint = { name: 'registry.lab', port: 5000, caFile: '/etc/docker/certs.d/registry.lab:5000/ca.crt', user: 'alice', password: 'pw"1' };
const http = (status: number, headers: Record<string, string>, body = '') =>
  `HTTP/1.1 ${status} X\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n${body}`;

test('catalog: every page, following Link rel="next"; the credential only on stdin', async (t) => {
  const seen: Array<{ command: string; stdin: string }> = [];
  const pages: Record<string, string> = {
    '/v2/_catalog?n=100': http(200, { Link: '</v2/_catalog?last=b&n=100>; rel="next"' }, '{"repositories":["a","b"]}'),
    '/v2/_catalog?last=b&n=100': http(200, {}, '{"repositories":["c"]}'),
  };
  const client = new RegistryClient(endpoint, async (command, stdin) => {
    seen.push({ command, stdin });
    const url = /url = "https:\/\/registry\.lab:5000([^"]+)"/.exec(stdin)![1]!;
    return { code: 0, stdout: pages[url] ?? http(404, {}), stderr: '' };
  });
  t.deepEqual(await client.catalog(), ['a', 'b', 'c']);
  t.is(seen.length, 2);
  for (const s of seen) {
    t.false(s.command.includes('pw'));
    t.regex(s.stdin, /^user = "alice:pw\\"1"$/m);
  }
});

test('digest: HEAD with the OCI and Docker manifest types; Docker-Content-Digest is the answer', async (t) => {
  let stdin = '';
  const client = new RegistryClient(endpoint, async (_c, s) => {
    stdin = s;
    return { code: 0, stdout: http(200, { 'Docker-Content-Digest': 'sha256:abc' }), stderr: '' };
  });
  t.is(await client.digest('team/app', '1'), 'sha256:abc');
  t.regex(stdin, /^head$/m);
  for (const type of MANIFEST_TYPES) t.true(stdin.includes(`header = "Accept: ${type}"`), type);
});

test('delete: 405 says deletion is not enabled; curl failing is unreachable', async (t) => {
  const refused = new RegistryClient(endpoint, async () => ({ code: 0, stdout: http(405, {}, '{"errors":[{"code":"UNSUPPORTED"}]}'), stderr: '' }));
  await t.throwsAsync(refused.deleteManifest('a', 'sha256:1'), { message: /storage\.delete\.enabled/ });
  t.throws(() => parseResponse({ code: 7, stdout: '', stderr: 'curl: (7) Failed to connect' }), { instanceOf: RegistryUnreachable, message: 'curl: (7) Failed to connect' });
  t.is(parseResponse({ code: 0, stdout: 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 202 Accepted\r\nA: b\r\n\r\n', stderr: '' }).status, 202);
});

test('nextLink: relative and absolute links, none', (t) => {
  t.is(nextLink('</v2/x/tags/list?last=9&n=100>; rel="next"'), '/v2/x/tags/list?last=9&n=100');
  t.is(nextLink('<https://r:5000/v2/_catalog?last=b&n=2>; rel=next'), '/v2/_catalog?last=b&n=2');
  t.is(nextLink(undefined), undefined);
});

test('references: REPO:TAG, REPO@DIGEST, host-like repos; bad ones are InputError', (t) => {
  t.deepEqual(parseReference('team/app:1.2', { needsTagOrDigest: true }), { repo: 'team/app', tag: '1.2' });
  t.deepEqual(parseReference(`a/b@sha256:${'f'.repeat(64)}`, { needsTagOrDigest: true }), { repo: 'a/b', digest: `sha256:${'f'.repeat(64)}` });
  t.deepEqual(parseReference('team/app', { needsTagOrDigest: false }), { repo: 'team/app' });
  for (const bad of ['team/app@sha256:xyz', 'Team/app:1', 'team/app:-x', 'team//app:1', 'team/app']) {
    t.throws(() => parseReference(bad, { needsTagOrDigest: true }), { instanceOf: InputError }, bad);
  }
});

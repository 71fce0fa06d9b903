import test from 'ava';
import { StateError } from '../../src/errors.js';
import { dockerAuth, mergeDockerAuth, removeDockerAuth } from '../../roles/_shared/docker-config.js';

const ADDR = 'registry.lab:5000';
const AUTH = dockerAuth('ci', 'pa:ss');

test('dockerAuth is base64 of user:password (the password may contain ":")', (t) => {
  t.is(Buffer.from(AUTH, 'base64').toString(), 'ci:pa:ss');
});

test('no change: an entry with the same auth is kept byte for byte, whatever the formatting', (t) => {
  const current = `{"auths":{"${ADDR}":{"auth":"${AUTH}"}},"psFormat":"table {{.ID}}"}`;
  t.is(mergeDockerAuth(current, ADDR, AUTH), current);
});

test('no file: a config with just the entry', (t) => {
  t.deepEqual(JSON.parse(mergeDockerAuth(null, ADDR, AUTH)), { auths: { [ADDR]: { auth: AUTH } } });
});

test('other registries and other keys are kept; the result is 2-space JSON with a final newline', (t) => {
  const current = JSON.stringify({ auths: { 'other.io': { auth: 'b3RoZXI=' } }, psFormat: 'x', HttpHeaders: { 'User-Agent': 'ci' } });
  const out = mergeDockerAuth(current, ADDR, AUTH);
  t.deepEqual(JSON.parse(out), { auths: { 'other.io': { auth: 'b3RoZXI=' }, [ADDR]: { auth: AUTH } }, psFormat: 'x', HttpHeaders: { 'User-Agent': 'ci' } });
  t.is(out, `${JSON.stringify(JSON.parse(out), null, 2)}\n`);
});

test('a stale auth for the registry is replaced; other fields of the entry stay', (t) => {
  const current = JSON.stringify({ auths: { [ADDR]: { auth: 'b2xkOm9sZA==', email: 'ci@lab' } } });
  t.deepEqual(JSON.parse(mergeDockerAuth(current, ADDR, AUTH)).auths[ADDR], { auth: AUTH, email: 'ci@lab' });
});

test('an empty file is treated as no config', (t) => {
  t.deepEqual(JSON.parse(mergeDockerAuth('  \n', ADDR, AUTH)), { auths: { [ADDR]: { auth: AUTH } } });
});

const refusals: Array<[string, string, RegExp]> = [
  ['invalid JSON (without quoting the file)', '{"auths": {"x": {"auth": "c2VjcmV0"}', /not valid JSON$/],
  ['a JSON array', '[]', /not hold a JSON object/],
  ['a credential store (auths would be ignored)', '{"credsStore":"pass"}', /credential store pass/],
  ['a credential helper for this registry', `{"credHelpers":{"${ADDR}":"ecr-login"}}`, /credential helper ecr-login/],
];
for (const [what, current, message] of refusals) {
  test(`refuses ${what}`, (t) => {
    const e = t.throws(() => mergeDockerAuth(current, ADDR, AUTH), { instanceOf: StateError });
    t.regex(e!.message, message);
    t.false(e!.message.includes('c2VjcmV0'));
  });
}

test('removeDockerAuth: the old Ingress host entry goes only when it is exactly regplay\'s credential', (t) => {
  const doc = JSON.stringify({ auths: { 'cr.lab': { auth: AUTH }, [ADDR]: { auth: AUTH }, 'other.example': { auth: 'x' } }, credHelpers: { gcr: 'gcloud' } });
  t.deepEqual(JSON.parse(removeDockerAuth(doc, 'cr.lab', AUTH)!), { auths: { [ADDR]: { auth: AUTH }, 'other.example': { auth: 'x' } }, credHelpers: { gcr: 'gcloud' } });
  const theirs = JSON.stringify({ auths: { 'cr.lab': { auth: dockerAuth('me', 'mine') } } });
  t.is(removeDockerAuth(theirs, 'cr.lab', AUTH), theirs, 'another credential is the user\'s');
  const more = JSON.stringify({ auths: { 'cr.lab': { auth: AUTH, identitytoken: 't' } } });
  t.is(removeDockerAuth(more, 'cr.lab', AUTH), more, 'an entry with more than regplay wrote stays');
  t.is(removeDockerAuth(null, 'cr.lab', AUTH), null);
  t.is(removeDockerAuth('not json', 'cr.lab', AUTH), 'not json');
  t.is(removeDockerAuth(doc, 'absent.lab', AUTH), doc);
});

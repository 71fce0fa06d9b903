// redact(): every secret is registered, however short; short ones (< 4 chars) are scrubbed only
// as whole tokens, so a 2-character password does not mangle every word that contains it.
import test from 'ava';
import { markSecretText, redact, reveal, Secret } from '../../src/secret.js';

test('a 1- or 2-character secret is still a secret: scrubbed where it stands as a token', (t) => {
  new Secret('Zq');
  new Secret('7');
  t.is(redact('login ci:Zq failed'), 'login ci:*** failed');
  t.is(redact('password is Zq'), 'password is ***');
  t.is(redact('pin=7;'), 'pin=***;');
});

test('a short secret inside a longer word is left alone', (t) => {
  new Secret('ab');
  t.is(redact('table tabs about'), 'table tabs about');
  t.is(redact('tab ab-c'), 'tab ***-c');
});

test('short secrets with regular-expression characters are matched literally', (t) => {
  markSecretText('$.');
  t.is(redact('x = $. and x$.y and a.b'), 'x = *** and x$.y and a.b');
});

test('secrets of 4 characters and more are scrubbed anywhere, longest first', (t) => {
  new Secret('hunter2secret');
  new Secret('hunt');
  t.is(redact('xhunter2secretx and hunting'), 'x***x and ***ing');
});

test('reveal() gives the plaintext of a Secret and a plain string unchanged', (t) => {
  t.is(reveal(new Secret('plain-text-x')), 'plain-text-x');
  t.is(reveal('as is'), 'as is');
});

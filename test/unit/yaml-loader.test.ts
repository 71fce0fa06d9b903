// The YAML loader's details that the mutation run (docs/mutation.md) showed untested: where each
// value was written, merge keys, the tags' edge cases, the alias and depth bounds at their limits.
import test from 'ava';
import { join } from 'node:path';
import { InputError } from '../../src/errors.js';
import { loadYamlFile, MAX_ALIAS_VALUES, MAX_DEPTH, originOf, originOfNode, parseYaml } from '../../src/engine/load/yaml.js';
import { isSecret, type Secret } from '../../src/secret.js';
import { tempTree } from '../helpers/fakes.js';

type Obj = Record<string, any>;
const load = (text: string, env: NodeJS.ProcessEnv = {}) => parseYaml(text, 'f.yaml', { env }) as Obj;
function refused(t: import('ava').ExecutionContext, text: string, env: NodeJS.ProcessEnv = {}): InputError {
  const e = t.throws(() => load(text, env), { instanceOf: InputError }) as InputError;
  return e;
}

test('originOf: a mapping key by name (a numeric key too), a list item by index, nothing for what the loader did not make', (t) => {
  const o = load('0: x\nl: [a, b]\nm:\n  k: v\n');
  t.deepEqual(originOf(o, 0), { file: 'f.yaml', line: 1, col: 1 }, 'the key "0" asked as a number');
  t.deepEqual(originOf(o, 'l'), { file: 'f.yaml', line: 2, col: 1 });
  t.deepEqual(originOf(o.l, 1), { file: 'f.yaml', line: 2, col: 8 });
  t.is(originOf(o.l, '1'), undefined, 'a list item is asked by number');
  t.is(originOf([], 0), undefined, 'a list the loader did not make');
  t.is(originOf(null, 'a'), undefined);
  t.deepEqual(originOfNode(o.m), { file: 'f.yaml', line: 4, col: 3 });
  t.deepEqual(originOfNode(o.l), { file: 'f.yaml', line: 2, col: 4 });
  t.is(originOfNode(null), undefined);
  t.is(originOfNode({}), undefined);
});

test('a duplicate key is a syntax error at its line, with the fix-the-YAML hint and a one-line message', (t) => {
  const e = refused(t, 'a: 1\na: 2\n');
  t.is(e.message, 'YAML syntax error: Map keys must be unique');
  t.like(e.origin, { file: 'f.yaml', line: 2, col: 1 });
  t.is(e.hint, 'fix the YAML (indentation, quoting, a missing colon)');
  const s = refused(t, 'a: [1\nb: 2\n');
  t.false(s.message.includes('\n'));
  t.false(/at line \d+/.test(s.message), 'no pretty error text in the message: the origin carries the place');
});

test('nothing is null: an empty file, a file of comments, a key without a value (in every spelling)', (t) => {
  t.is(parseYaml('', 'f.yaml', {}), null);
  t.is(parseYaml('# only a comment\n', 'f.yaml', {}), null);
  t.deepEqual(load('a:\n'), { a: null });
  t.deepEqual(load('{a, b: 1}\n'), { a: null, b: 1 });
  t.deepEqual(load('? a\nb: 1\n'), { a: null, b: 1 });
  t.deepEqual(load('x: &x {a}\ny: *x\n'), { x: { a: null }, y: { a: null } }, 'through an alias too');
});

test('keys: an empty key is "null", a list as key is its items joined', (t) => {
  t.deepEqual(load('? \n: x\n'), { null: 'x' });
  t.deepEqual(load('? [a, b]\n: 1\n'), { 'a,b': 1 });
  t.deepEqual(originOf(load('? [a, b]\n: 1\n'), 'a,b'), { file: 'f.yaml', line: 1, col: 3 });
  t.deepEqual(load('? !plain k\n: 1\n'), { k: 1 }, 'a tagged key is its text, never a Secret');
});

test('merge keys: the mapping written wins over a merged one, merged keys keep where they were written, a scalar or null merges nothing', (t) => {
  const o = load('base: &b\n  a: 2\n  c: 4\nm:\n  a: 1\n  <<: *b\n');
  t.deepEqual(o.m, { a: 1, c: 4 });
  t.deepEqual(originOf(o.m, 'c'), { file: 'f.yaml', line: 3, col: 3 }, 'a merged key points at its anchor, not at <<');
  t.deepEqual(originOf(o.m, 'a'), { file: 'f.yaml', line: 5, col: 3 });
  t.deepEqual(load('<<: ab\nc: 1\n'), { c: 1 }, 'a string is no mapping: its characters are not merged');
  t.deepEqual(load('<<: ~\nc: 1\n'), { c: 1 });
  t.deepEqual(load('<<: [{a: 1}, {a: 2, b: 3}]\n'), { a: 1, b: 3 }, 'the first of several merged mappings wins');
});

test('tags: YAML’s own (!!str, !!map) are values; ours on a collection name themselves; an unknown local tag is refused', (t) => {
  t.deepEqual(load('a: !!str 5\n'), { a: '5' });
  t.deepEqual(load('a: !!map {b: 1}\nl: !!seq [1]\n'), { a: { b: 1 }, l: [1] });
  t.is(refused(t, 'a: !file {b: 1}\n').message, '!file takes a single value, not a mapping');
  t.is(refused(t, 'a: !plain [1]\n').message, '!plain takes a single value, not a list');
  t.is(refused(t, 'a: !env [1]\n').message, '!env takes a single value, not a list');
  t.regex(refused(t, 'a: !foo x\n').message, /^unknown YAML tag/);
  t.regex(refused(t, 'a: !foo [x]\n').message, /^unknown YAML tag/);
});

test('!env: the name is trimmed; no name, an unset name and an empty value are told apart, each with its hint', (t) => {
  const s = load('a: !env " PASS "\n', { PASS: 'x' }).a as Secret;
  t.true(isSecret(s));
  t.is(s.reveal(), 'x');
  t.is(s.label, 'PASS');
  const none = refused(t, 'a: !env\n');
  t.is(none.message, '!env needs a variable name (`!env REGISTRY_PASSWORD`)');
  t.like(none.origin, { file: 'f.yaml', line: 1, col: 8 });
  t.is(refused(t, 'a: !env "  "\n').message, '!env needs a variable name (`!env REGISTRY_PASSWORD`)');
  t.is(refused(t, 'a: !env NOPE\n').hint, 'export NOPE=... before running play');
  const empty = refused(t, 'a: !env EMPTY\n', { EMPTY: '' });
  t.is(empty.message, 'environment variable EMPTY is empty (used with !env)');
  t.is(empty.hint, 'give EMPTY a value before running play');
});

test('!file: the path is trimmed, only the last line end is dropped; no path is its own error', (t) => {
  const dir = tempTree({ 'pw.txt': 'line1\nline2\n', 'inv.yaml': 'a: !file " pw.txt "\n' });
  const s = (loadYamlFile(join(dir, 'inv.yaml'), { env: {} }) as Obj).a as Secret;
  t.is(s.reveal(), 'line1\nline2');
  t.is(s.label, 'pw.txt');
  t.is(refused(t, 'a: !file\n').message, '!file needs a path (`!file secrets/password.txt`)');
  t.is(refused(t, 'a: !file "  "\n').message, '!file needs a path (`!file secrets/password.txt`)');
});

test('!plain: an empty value is refused; a value is a Secret labelled plain', (t) => {
  t.is(refused(t, 'a: !plain\n').message, '!plain needs a value');
  t.is(refused(t, 'a: !plain ""\n').message, '!plain needs a value');
  const s = load('a: !plain hunter2\n').a as Secret;
  t.is(s.label, 'plain');
  t.is(s.reveal(), 'hunter2');
});

test('a YAML file that is not a regular file is named as YAML', (t) => {
  const dir = tempTree({ 'x/keep': '' });
  t.throws(() => loadYamlFile(join(dir, 'x')), { instanceOf: InputError, message: /\(YAML\) is a directory/ });
});

test(`aliases: exactly ${MAX_ALIAS_VALUES} values are fine, one more is a bomb named at the outermost alias with the hint; plain values never count`, (t) => {
  const list = (n: number) => `[${Array(n).fill('1').join(',')}]`;
  // The list itself is one value, its items the others.
  t.is(load(`a: &a ${list(MAX_ALIAS_VALUES - 1)}\nb: *a\n`).b.length, MAX_ALIAS_VALUES - 1);
  const over = refused(t, `a: &a ${list(MAX_ALIAS_VALUES)}\nb: *a\n`);
  t.like(over.origin, { file: 'f.yaml', line: 2, col: 4 });
  t.is(over.hint, 'write the values out, or use fewer nested aliases');
  // a: 2500 values; b's two aliases 5000; c expands b: 5001 more, the last one over.
  const nested = refused(t, `a: &a ${list(MAX_ALIAS_VALUES / 4 - 1)}\nb: &b [*a, *a]\nc: *b\n`);
  t.like(nested.origin, { line: 3, col: 4 }, 'the alias that started the expansion, not the inner one');
  t.is(load(`x: &x 1\ny: *x\nbig: ${list(MAX_ALIAS_VALUES + 10)}\n`).big.length, MAX_ALIAS_VALUES + 10, 'values after an expanded alias are not alias values');
  t.is(load(`big: ${list(MAX_ALIAS_VALUES + 10)}\n`).big.length, MAX_ALIAS_VALUES + 10);
});

test('an alias loop names the alias and says how to fix it', (t) => {
  const e = refused(t, 'a: &a [1, *a]\n');
  t.like(e.origin, { line: 1, col: 11 });
  t.is(e.hint, 'an alias may only name a value that is complete before it');
});

test(`nesting: ${MAX_DEPTH} levels load, one more is refused`, (t) => {
  const nest = (n: number) => `${'['.repeat(n)}1${']'.repeat(n)}`;
  t.notThrows(() => load(`a: ${nest(MAX_DEPTH - 1)}\n`), 'the top mapping and 99 lists');
  t.regex(refused(t, `a: ${nest(MAX_DEPTH)}\n`).message, new RegExp(`nested deeper than ${MAX_DEPTH} levels`));
});

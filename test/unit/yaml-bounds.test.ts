// The loader is bounded: alias loops, alias bombs, deep nesting, FIFOs, devices and directories are
// bad input (InputError naming file:line) within a second, and values that YAML mistakes for tags or
// aliases are never echoed.
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../../src/errors.js';
import { MAX_SECRET_FILE_BYTES } from '../../src/engine/load/read-input.js';
import { loadYamlFile, parseYaml } from '../../src/engine/load/yaml.js';
import { isSecret } from '../../src/secret.js';
import { tempTree } from '../helpers/fakes.js';

function refusal(t: import('ava').ExecutionContext, text: string, env: NodeJS.ProcessEnv = {}, file = 'inv.yaml'): string {
  // CPU time, not wall time: the bound is the loader's own work, whatever else the machine runs.
  const started = process.cpuUsage();
  const e = t.throws(() => parseYaml(text, file, { env }), { instanceOf: InputError });
  const used = process.cpuUsage(started);
  const ms = (used.user + used.system) / 1000;
  t.true(ms < 1000, `took ${ms} ms of CPU`);
  return e!.describe();
}

/** The billion-laughs shape: `levels` levels of nine aliases each (9^levels values). */
function aliasBomb(levels: number): string {
  const names = 'abcdefghijklmnop';
  const lines = [`${names[0]}: &${names[0]} [${Array(9).fill('"lol"').join(',')}]`];
  for (let i = 1; i < levels; i++) lines.push(`${names[i]}: &${names[i]} [${Array(9).fill(`*${names[i - 1]}`).join(',')}]`);
  return lines.join('\n') + '\n';
}

test('an alias loop is bad input naming file:line, not a stack overflow', (t) => {
  t.regex(refusal(t, 'loop: &a [ *a ]\n'), /^inv\.yaml:1:12: YAML alias \*a refers to a value that contains it \(an alias loop\)/);
  t.regex(refusal(t, 'm: &m\n  x:\n    <<: *m\n'), /^inv\.yaml:3:9: .*alias loop/);
});

test('an alias bomb (766 bytes, 9^9 values) is bad input within a second, at the alias that expands', (t) => {
  const bomb = aliasBomb(9);
  t.true(bomb.length < 800);
  t.regex(refusal(t, bomb), /^inv\.yaml:\d+:\d+: YAML aliases expand to more than 10000 values \(an alias bomb\?\)/);
});

test('ordinary aliases and merge keys still work, sharing nothing mutable across uses', (t) => {
  const v = parseYaml('base: &b {port: 22, user: ci}\nw1: {<<: *b, host: 10.0.0.1}\nw2: *b\nlist: &l [1, 2]\nagain: *l\n', 'inv.yaml', {}) as Record<string, unknown>;
  t.deepEqual(v.w1, { port: 22, user: 'ci', host: '10.0.0.1' });
  t.deepEqual(v.w2, { port: 22, user: 'ci' });
  t.deepEqual(v.again, [1, 2]);
  t.notThrows(() => parseYaml(aliasBomb(4), 'inv.yaml', {}), '9^4 = 6561 values are fine');
});

test('nesting deeper than the bound is bad input', (t) => {
  let text = 'x';
  for (let i = 0; i < 150; i++) text = `{a: ${text}}`;
  t.regex(refusal(t, `v: ${text}\n`), /nested deeper than 100 levels/);
  t.regex(refusal(t, '['.repeat(5000) + ']'.repeat(5000)), /^inv\.yaml:\d+:\d+: /);
});

test('a value that YAML reads as an unknown tag or alias is not echoed', (t) => {
  for (const text of ['password: !s3cretpw\n', 'password: !s3c!retpw\n', 'password: *s3cretpw\n', 'password: !s3cretpw {a: 1}\n']) {
    const msg = refusal(t, text);
    t.false(msg.includes('s3c'), msg);
    t.regex(msg, /^inv\.yaml:1:\d+: .*(its text is not shown)/);
    t.regex(msg, /quote a value that starts with/);
  }
});

test('!env: unset and empty are told apart', (t) => {
  t.regex(refusal(t, 'p: !env REGPLAY_UNSET_VAR\n'), /environment variable REGPLAY_UNSET_VAR is not set/);
  t.regex(refusal(t, 'p: !env REGPLAY_EMPTY_VAR\n', { REGPLAY_EMPTY_VAR: '' }), /environment variable REGPLAY_EMPTY_VAR is empty \(used with !env\)/);
  t.regex(refusal(t, 'p: !env {a: 1}\n'), /!env takes a single value, not a mapping/);
});

test('!plain is the explicit plain-text form: still a Secret', (t) => {
  const v = parseYaml('p: !plain hunter2\n', 'inv.yaml', {}) as { p: unknown };
  t.true(isSecret(v.p));
  t.is(String(v.p), '***');
  t.regex(refusal(t, 'p: !plain\n'), /!plain needs a value/);
});

test('!file reads only a regular file up to the stated size; a FIFO, /dev/zero or a directory is bad input at once', (t) => {
  const dir = tempTree({ 'pw.txt': 'hunter2\n', 'big.txt': 'x'.repeat(MAX_SECRET_FILE_BYTES + 1) });
  mkdirSync(join(dir, 'sub'));
  execFileSync('mkfifo', [join(dir, 'fifo')]);
  const file = join(dir, 'inv.yaml');
  const v = parseYaml('p: !file pw.txt\n', file, {}) as { p: { reveal(): string } };
  t.is(v.p.reveal(), 'hunter2');
  t.regex(refusal(t, 'p: !file fifo\n', {}, file), /inv\.yaml:1:10: .*fifo \(used with !file\) is a FIFO: only a regular file is read/);
  t.regex(refusal(t, 'p: !file /dev/zero\n', {}, file), /\/dev\/zero \(used with !file\) is a character device/);
  t.regex(refusal(t, 'p: !file sub\n', {}, file), /sub \(used with !file\) is a directory/);
  t.regex(refusal(t, 'p: !file big.txt\n', {}, file), new RegExp(`big\\.txt \\(used with !file\\) is ${MAX_SECRET_FILE_BYTES + 1} bytes: more than the ${MAX_SECRET_FILE_BYTES}`));
});

test('an inventory or vars file that is a FIFO or a device is bad input too, without blocking', (t) => {
  const dir = tempTree({});
  execFileSync('mkfifo', [join(dir, 'inv.yaml')]);
  t.throws(() => loadYamlFile(join(dir, 'inv.yaml')), { instanceOf: InputError, message: /is a FIFO/ });
  t.throws(() => loadYamlFile('/dev/zero'), { instanceOf: InputError, message: /is a character device/ });
  writeFileSync(join(dir, 'ok.yaml'), 'a: 1\n');
  t.deepEqual(loadYamlFile(join(dir, 'ok.yaml')), { a: 1 });
});

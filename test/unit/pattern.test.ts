import test from 'ava';
import { join } from 'node:path';
import { InputError } from '../../src/errors.js';
import { loadInventory } from '../../src/engine/load/inventory.js';
import { absentNames, matchHosts, namesIn, resolveLimit, splitPattern } from '../../src/engine/load/pattern.js';
import { tempTree, labInventory } from '../helpers/fakes.js';

const inv = loadInventory(join(tempTree({ 'inv.yaml': labInventory }), 'inv.yaml'));
const m = (p: string) => matchHosts(inv, p, { what: 'test' });

test('a group name selects its hosts, a host name itself', (t) => {
  t.deepEqual(m('workers'), ['w1', 'w2']);
  t.deepEqual(m('cp1'), ['cp1']);
});

test('all and * select every host in inventory order', (t) => {
  t.deepEqual(m('all'), ['cp1', 'w1', 'w2', 'b1']);
  t.deepEqual(m('*'), ['cp1', 'w1', 'w2', 'b1']);
});

test('a:b and a,b are unions', (t) => {
  t.deepEqual(m('control_plane:workers'), ['cp1', 'w1', 'w2']);
  t.deepEqual(m('b1,workers'), ['w1', 'w2', 'b1']);
});

test('&b intersects', (t) => {
  t.deepEqual(m('all:&workers'), ['w1', 'w2']);
  t.deepEqual(m('workers:&w2'), ['w2']);
});

test('!b excludes, whatever its position', (t) => {
  t.deepEqual(m('all:!workers'), ['cp1', 'b1']);
  t.deepEqual(m('!w1:workers'), ['w2']);
});

test('a pattern starting with ! or & starts from all hosts', (t) => {
  t.deepEqual(m('!workers'), ['cp1', 'b1']);
});

test('* globs match group and host names', (t) => {
  t.deepEqual(m('w*'), ['w1', 'w2']);
  t.deepEqual(m('work*'), ['w1', 'w2']);
  t.deepEqual(m('?1'), ['w1', 'b1']);
});

test('~regex matches from the start of group and host names', (t) => {
  t.deepEqual(m('~(cp|b)\\d'), ['cp1', 'b1']);
  t.deepEqual(m('~1'), []);
});

test('a regex may contain a colon, and unions still split on commas', (t) => {
  t.deepEqual(splitPattern('~a:b,workers'), [
    { op: '', text: '~a:b' },
    { op: '', text: 'workers' },
  ]);
});

test('!~regex and &~regex exclude and intersect, their colons kept inside the regex', (t) => {
  t.deepEqual(m('all:!~(?:w|b)\\d'), ['cp1']);
  t.deepEqual(m('all:&~(?:w)\\d'), ['w1', 'w2']);
});

test('a glob is anchored at both ends: c? and ?p are not cp1, cp? is', (t) => {
  t.deepEqual(m('c?'), []);
  t.deepEqual(m('?p'), []);
  t.deepEqual(m('cp?'), ['cp1']);
});

test('subscripts pick hosts of a group: [0], [-1], inclusive [0:1]', (t) => {
  t.deepEqual(m('workers[0]'), ['w1']);
  t.deepEqual(m('workers[-1]'), ['w2']);
  t.deepEqual(m('all[0:1]'), ['cp1', 'w1']);
});

test('a list of patterns is a union', (t) => {
  t.deepEqual(matchHosts(inv, ['build', 'control_plane'], { what: 'test' }), ['cp1', 'b1']);
});

test('--limit that matches no host is an InputError saying there are none, listing the known groups', (t) => {
  const e = t.throws(() => resolveLimit(inv, 'storage'), { instanceOf: InputError });
  t.is(e!.message, "--limit 'storage': the inventory has no group or host 'storage', so there are none to run on; known groups: control_plane, workers, build; known hosts: cp1, w1, w2, b1");
  t.throws(() => resolveLimit(inv, 'workers:&build'), { instanceOf: InputError, message: /it matches no host/ });
});

test('--limit with a near miss of a group is an InputError with "did you mean", even next to names that match', (t) => {
  for (const typo of ['wokers', 'worker', 'Workers', 'cp1:builds']) {
    const e = t.throws(() => resolveLimit(inv, typo), { instanceOf: InputError });
    t.regex(e!.message, /did you mean `(workers|build)`\?/, typo);
  }
});

test('--limit workers on an inventory without workers says there are none', (t) => {
  const single = loadInventory(join(tempTree({ 'inv.yaml': 'all:\n  children:\n    control_plane:\n      hosts:\n        cp1: {host: 127.0.0.1}\n' }), 'inv.yaml'));
  const e = t.throws(() => resolveLimit(single, 'workers'), { instanceOf: InputError });
  t.is(e!.message, "--limit 'workers': the inventory has no group or host 'workers', so there are none to run on; known groups: control_plane; known hosts: cp1");
});

test('in a play, a name the inventory lacks matches nothing (the play decides whether that is an error)', (t) => {
  t.deepEqual(m('control_plane:storage'), ['cp1']);
  t.deepEqual(m('storage'), []);
});

test('namesIn lists the plain names of a pattern, absentNames those the inventory lacks', (t) => {
  t.deepEqual(namesIn('control_plane:workers[0]:&build:!w2:all:web*:~db.*'), ['control_plane', 'workers', 'build', 'w2']);
  t.deepEqual(absentNames(inv, ['control_plane', 'storage:!cp9']), ['storage', 'cp9']);
});

test('a bad regex is an InputError', (t) => {
  t.throws(() => m('~(oops'), { instanceOf: InputError, message: /bad regular expression/ });
});

// Found by mutation testing (npm run mutate -- pattern): behaviour no test above pinned down.
test('spaces around terms and after ! or & are ignored', (t) => {
  t.deepEqual(m(' cp1 , workers '), ['cp1', 'w1', 'w2']);
  t.deepEqual(m('all:! workers'), ['cp1', 'b1']);
  t.deepEqual(splitPattern('w1, ~a:b'), [
    { op: '', text: 'w1' },
    { op: '', text: '~a:b' },
  ]);
  t.deepEqual(m('all: !~(?:w|b)\\d'), ['cp1']);
});

test('a ~ inside a name is no regex, and a stray ] does not stop the split', (t) => {
  t.deepEqual(m('nope~x:workers'), ['w1', 'w2']);
  t.deepEqual(m('w]x:workers'), ['w1', 'w2']);
});

test('subscripts: multi-digit and open-ended ranges, nothing after the bracket, and a regex with brackets is a regex', (t) => {
  t.deepEqual(m('all[01]'), ['w1']);
  t.deepEqual(m('all[0:01]'), ['cp1', 'w1']);
  t.deepEqual(m('all[1:]'), ['w1', 'w2', 'b1']);
  t.deepEqual(m('all[:1]'), ['cp1', 'w1']);
  t.deepEqual(m('workers[0]x'), []);
  t.deepEqual(m('~w[12]'), ['w1', 'w2']);
});

test('a glob escapes regex characters: cp.* is not cp1', (t) => {
  t.deepEqual(m('cp.*'), []);
});

test('unions come first whatever their place: &workers:cp1 is cp1 ∩ workers, !w1:cp1 is cp1', (t) => {
  t.deepEqual(m('&workers:cp1'), []);
  t.deepEqual(m('!w1:cp1'), ['cp1']);
});

test('namesIn skips regexes even without glob characters', (t) => {
  t.deepEqual(namesIn('~db\\d,web'), ['web']);
});

test('--limit: the hosts it selects; a bad regex names the --limit; the near-miss hint lists the groups; several absent names listed', (t) => {
  t.deepEqual([...resolveLimit(inv, 'workers')], ['w1', 'w2']);
  t.throws(() => resolveLimit(inv, '~(oops'), { instanceOf: InputError, message: /^--limit '~\(oops': bad regular expression/ });
  t.is(t.throws(() => resolveLimit(inv, 'wokers'), { instanceOf: InputError })!.hint, 'known groups: control_plane, workers, build');
  t.throws(() => resolveLimit(inv, 'db1:db2'), { instanceOf: InputError, message: /no group or host 'db1', 'db2', so there are none/ });
});

test('--limit on an inventory without groups or hosts of its own says (none)', (t) => {
  const bare = loadInventory(join(tempTree({ 'inv.yaml': 'all:\n  hosts:\n    solo: {host: 127.0.0.1}\n' }), 'inv.yaml'));
  t.throws(() => resolveLimit(bare, 'db'), { instanceOf: InputError, message: /known groups: \(none\); known hosts: solo$/ });
  const empty = loadInventory(join(tempTree({ 'inv.yaml': 'all:\n  vars: {x: 1}\n' }), 'inv.yaml'));
  t.throws(() => resolveLimit(empty, 'db'), { instanceOf: InputError, message: /known groups: \(none\); known hosts: \(none\)$/ });
});

test('empty terms are dropped (a stray comma does not change where a pattern starts), and ~ only starts a regex at the beginning of a term', (t) => {
  t.deepEqual(m('!w1,'), ['cp1', 'w2', 'b1']);
  t.deepEqual(m('w1:a!~b:workers'), ['w1', 'w2']);
  t.deepEqual(m('!nope~x:workers'), ['w1', 'w2']);
});

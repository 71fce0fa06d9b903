import test from 'ava';
import { join } from 'node:path';
import { InputError } from '../../src/errors.js';
import { loadInventory } from '../../src/engine/inventory.js';
import { matchHosts, resolveLimit, splitPattern } from '../../src/engine/pattern.js';
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

test('subscripts pick hosts of a group: [0], [-1], inclusive [0:1]', (t) => {
  t.deepEqual(m('workers[0]'), ['w1']);
  t.deepEqual(m('workers[-1]'), ['w2']);
  t.deepEqual(m('all[0:1]'), ['cp1', 'w1']);
});

test('a list of patterns is a union', (t) => {
  t.deepEqual(matchHosts(inv, ['build', 'control_plane'], { what: 'test' }), ['cp1', 'b1']);
});

test('--limit that matches no host is an InputError listing the known groups', (t) => {
  const e = t.throws(() => resolveLimit(inv, 'wokers'), { instanceOf: InputError });
  t.is(e!.message, "--limit 'wokers' matches no host; known groups: control_plane, workers, build; known hosts: cp1, w1, w2, b1");
  t.throws(() => resolveLimit(inv, 'workers:&build'), { instanceOf: InputError, message: /matches no host/ });
});

test('in a play, an unknown plain name is an InputError at the hosts: line', (t) => {
  const e = t.throws(() => matchHosts(inv, 'control_plane:wrokers', { what: "play 'x'", origin: { file: 'pb.yaml', line: 3, col: 3 }, strictNames: true }), {
    instanceOf: InputError,
  });
  t.is(e!.describe(), "pb.yaml:3:3: play 'x': unknown group or host 'wrokers'\n  -> known groups: control_plane, workers, build");
});

test('a bad regex is an InputError', (t) => {
  t.throws(() => m('~(oops'), { instanceOf: InputError, message: /bad regular expression/ });
});

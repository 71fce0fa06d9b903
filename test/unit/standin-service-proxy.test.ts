// The stand-in's kube-proxy rules and cluster IP allocation, as pure functions (the lab test
// test/integration/standin-service-routing.test.ts proves them with real traffic).
import test from 'ava';
import { firstFree, inCidr, parseCidr } from '../standin/cidr.js';
import { endpointsFor, natRules, serviceAddresses } from '../standin/service-proxy.js';
import { fieldErrors } from '../standin/field-errors.js';
import { defaultAndValidateService, type ServiceContext } from '../standin/validate-service.js';

const pod = (name: string, ip: string, labels: Record<string, string>, ready = true, ns = 'reg') => ({
  metadata: { name, namespace: ns, labels },
  spec: { containers: [{ name: 'registry', ports: [{ name: 'http', containerPort: 5000 }] }] },
  status: { podIP: ip, conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
});
const service = (selector: Record<string, string>, port: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  metadata: { name: 'registry', namespace: 'reg' },
  spec: { clusterIP: '10.213.9.225', selector, ports: [{ port: 5000, protocol: 'TCP', ...port }], ...extra },
});

test('endpoints: ready pods of the namespace whose labels the selector picks, at targetPort by number or name', (t) => {
  const pods = [pod('a', '10.213.9.129', { app: 'registry' }), pod('b', '10.213.9.130', { app: 'other' }), pod('c', '10.213.9.131', { app: 'registry' }, false), pod('d', '10.213.9.132', { app: 'registry' }, true, 'elsewhere')];
  const s = service({ app: 'registry' }, { targetPort: 5000 });
  t.deepEqual(endpointsFor(s, s.spec.ports[0]!, pods), [{ ip: '10.213.9.129', port: 5000 }]);
  const named = service({ app: 'registry' }, { targetPort: 'http' });
  t.deepEqual(endpointsFor(named, named.spec.ports[0]!, pods), [{ ip: '10.213.9.129', port: 5000 }]);
  const wrongName = service({ app: 'registry' }, { targetPort: 'htp' });
  t.deepEqual(endpointsFor(wrongName, wrongName.spec.ports[0]!, pods), []);
  const wrongSelector = service({ app: 'registri' }, { targetPort: 5000 });
  t.deepEqual(endpointsFor(wrongSelector, wrongSelector.spec.ports[0]!, pods), []);
  const noSelector = service({}, { targetPort: 5000 });
  t.deepEqual(endpointsFor(noSelector, noSelector.spec.ports[0]!, pods), [], 'a Service without selector gets no endpoints from pods');
});

test('nat rules: cluster IP, externalIPs and NodePort DNAT to the endpoints; NodePorts after cluster IPs; hairpin masquerade', (t) => {
  const s = service({ app: 'registry' }, { targetPort: 'http', nodePort: 30500 }, { type: 'NodePort', externalIPs: ['10.213.9.10'] });
  const rules = natRules([s], [pod('a', '10.213.9.129', { app: 'registry' })]).split('\n');
  const dnat = rules.filter((l) => l.includes('DNAT --to'));
  t.is(dnat.length, 3);
  t.regex(dnat[0]!, /^-A STANDIN-SERVICES -d 10\.213\.9\.225\/32 -p tcp -m tcp --dport 5000 .*-j DNAT --to-destination 10\.213\.9\.129:5000$/);
  t.regex(dnat[1]!, /^-A STANDIN-SERVICES -d 10\.213\.9\.10\/32 -p tcp -m tcp --dport 5000 /);
  t.regex(dnat[2]!, /-m addrtype --dst-type LOCAL -p tcp -m tcp --dport 30500 .*--to-destination 10\.213\.9\.129:5000$/);
  t.true(rules.includes('-A STANDIN-POSTROUTING -s 10.213.9.129/32 -d 10.213.9.129/32 -m conntrack --ctstate DNAT -j MASQUERADE'));
  t.deepEqual(rules.slice(0, 3), ['*nat', ':STANDIN-SERVICES - [0:0]', ':STANDIN-POSTROUTING - [0:0]'], 'the chains are flushed and rebuilt');
  t.is(rules.at(-2), 'COMMIT');
});

test('nat rules: several endpoints share the traffic (1/n, 1/(n-1), ..., the last unconditional); none: no rule', (t) => {
  const s = service({ app: 'registry' }, { targetPort: 5000 });
  const pods = ['129', '130', '131'].map((o, i) => pod(`p${i}`, `10.213.9.${o}`, { app: 'registry' }));
  const dnat = natRules([s], pods).split('\n').filter((l) => l.includes('DNAT --to'));
  t.regex(dnat[0]!, /--probability 0\.33333 -j DNAT --to-destination 10\.213\.9\.129:5000$/);
  t.regex(dnat[1]!, /--probability 0\.50000 -j DNAT --to-destination 10\.213\.9\.130:5000$/);
  t.regex(dnat[2]!, /--comment "reg\/registry:5000" -j DNAT --to-destination 10\.213\.9\.131:5000$/);
  t.deepEqual(natRules([service({ app: 'none' }, { targetPort: 5000 })], pods).split('\n').filter((l) => l.includes('DNAT --to')), []);
});

test('service addresses: every cluster IP once, headless ones not', (t) => {
  const headless = { ...service({}, {}), spec: { clusterIP: 'None', ports: [] } };
  t.deepEqual(serviceAddresses([service({}, {}), service({}, {}), headless]), ['10.213.9.225']);
});

test('cidr: network and broadcast addresses are never handed out; membership', (t) => {
  const c = parseCidr('10.213.9.224/28');
  t.is(firstFree(c, new Set()), '10.213.9.225');
  t.is(firstFree(c, new Set(['10.213.9.225'])), '10.213.9.226');
  const all = new Set(Array.from({ length: 14 }, (_, i) => `10.213.9.${225 + i}`));
  t.is(firstFree(c, all), undefined, '.239 is the broadcast address');
  t.true(inCidr(c, '10.213.9.238'));
  t.false(inCidr(c, '10.213.9.10'));
  t.throws(() => parseCidr('10.213.9.0'), { message: /IPv4 CIDR/ });
});

test('cluster IPs come from the Service range: first free one; a requested one must be inside and free', (t) => {
  const c = parseCidr('10.213.9.224/28');
  const ctx = (used: string[]): ServiceContext => ({
    serviceIP: '',
    clusterIPs: { range: c.text, contains: (ip) => inCidr(c, ip), inUse: () => new Set(used), next: (u) => firstFree(c, u) },
    nodePort: () => 30000,
    nodePortsInUse: () => new Set(),
  });
  const svc = (clusterIP?: string) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'reg' }, spec: { ports: [{ port: 80 }], ...(clusterIP ? { clusterIP } : {}) } }) as Record<string, any>;
  const f = fieldErrors();
  const a = svc();
  defaultAndValidateService(a, undefined, ctx(['10.213.9.225']), f);
  t.deepEqual(f.list, []);
  t.is(a.spec.clusterIP, '10.213.9.226');
  const outside = fieldErrors();
  defaultAndValidateService(svc('10.0.0.7'), undefined, ctx([]), outside);
  t.deepEqual(outside.list.map((x) => `${x.field}: ${x.message}`), [
    'spec.clusterIPs: Invalid value: []string{"10.0.0.7"}: failed to allocate IP 10.0.0.7: the provided IP (10.0.0.7) is not in the valid range. The range of valid IPs is 10.213.9.224/28',
  ]);
  const taken = fieldErrors();
  defaultAndValidateService(svc('10.213.9.225'), undefined, ctx(['10.213.9.225']), taken);
  t.deepEqual(taken.list.map((x) => x.message), ['Invalid value: []string{"10.213.9.225"}: failed to allocate IP 10.213.9.225: provided IP is already allocated']);
  const live = { spec: { clusterIP: '10.213.9.230' } };
  const kept = svc();
  defaultAndValidateService(kept, live, ctx(['10.213.9.225']), fieldErrors());
  t.is(kept.spec.clusterIP, '10.213.9.230', 'an update keeps the allocated IP');
});

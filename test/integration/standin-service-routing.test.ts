// Service networking in the lab's Kubernetes stand-in: the registry pod runs in its own network
// namespace with its own address, and a Service's cluster IP (not any host's) reaches it only through
// the stand-in's kube-proxy DNAT rules — so a wrong selector or targetPort makes a real pull from a
// worker fail, and the right one works. externalIPs and NodePort are routed the same way.
import test from 'ava';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { labSupport, labUp, type Lab } from '../lab/index.js';
import { makeTestImage } from '../lab/image.js';
import { missing, serialUnless } from '../helpers/lab-test.js';

const support = labSupport({ standin: true });
const serial = serialUnless(missing(support));

const NAME = 'registry.routing.lab';
let lab: Lab;

const deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'registry', namespace: 'default' },
  spec: {
    selector: { matchLabels: { app: 'registry' } },
    template: {
      metadata: { labels: { app: 'registry' } },
      spec: {
        containers: [
          {
            name: 'registry',
            image: 'registry:2',
            ports: [{ name: 'http', containerPort: 5000 }],
            readinessProbe: { httpGet: { path: '/v2/', port: 'http' } },
          },
        ],
      },
    },
  },
};

type Port = { name?: string; port: number; targetPort?: number | string; nodePort?: number };
const service = (selector: Record<string, string>, port: Port, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'registry', namespace: 'default' },
  spec: { selector, ports: [{ name: 'registry', ...port }], ...extra },
});

const kubectl = (args: string, stdin?: string) => lab.exec('cp1', `kubectl --kubeconfig /root/.kube/config ${args}`, { stdin });
async function apply(obj: object): Promise<void> {
  const r = await kubectl('apply --server-side --force-conflicts --field-manager routing-test -f -', stringify(obj));
  if (r.code !== 0) throw new Error(r.stderr);
}
async function json(args: string): Promise<any> {
  const r = await kubectl(`get ${args} -o json`);
  if (r.code !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
}
const v2 = (host: string, target: string) =>
  lab.exec(host, `curl -sS -o /dev/null -w '%{http_code}' --connect-timeout 3 --max-time 6 http://${target}/v2/`);

/** The stand-in's kube-proxy follows Service and Pod changes within a sync; wait for the expected answer. */
async function settle(host: string, target: string, ok: boolean): Promise<{ code: number; stdout: string; stderr: string }> {
  let r = await v2(host, target);
  for (let i = 0; i < 20 && (r.stdout === '200') !== ok; i++) {
    await new Promise((res) => setTimeout(res, 250));
    r = await v2(host, target);
  }
  return r;
}

test.before(async () => {
  if (missing(support)) return;
  lab = await labUp({ name: 'svcroute', standin: true, hosts: { cp1: ['control_plane'], w1: ['workers'] } });
  await apply(deployment);
  const r = await kubectl('rollout status deployment/registry --timeout=60s');
  if (r.code !== 0) throw new Error(`rollout: ${r.stderr}`);
});

test.after.always(async () => {
  await lab?.down();
});

const hostAddresses = () => Object.values(lab.hosts).map((h) => h.address).concat(lab.gateway);

serial('the pod has its own network namespace and address on the lab network, not a host\'s', async (t) => {
  const pod = (await json('pods -l app=registry')).items[0];
  const ip: string = pod.status.podIP;
  t.regex(ip, new RegExp(`^${lab.gateway.replace(/\.1$/, '').replaceAll('.', '\\.')}\\.\\d+$`));
  t.false(hostAddresses().includes(ip), `${ip} is a host's address`);
  t.is(pod.status.hostIP, lab.address('cp1'));
  // The registry listens in the pod: on the pod's address, not on cp1's own.
  t.is((await v2('w1', `${ip}:5000`)).stdout, '200');
  const onHost = await v2('w1', `${lab.address('cp1')}:5000`);
  t.not(onHost.stdout, '200', 'the registry must not listen in cp1\'s own network namespace');
  const listening = await lab.exec('cp1', 'ss -Htln');
  t.false(/:5000\b/.test(listening.stdout), listening.stdout);
});

serial('a Service gets a virtual IP (no host\'s) that reaches the pod from a worker; skopeo pushes and ctr pulls through it', async (t) => {
  await apply(service({ app: 'registry' }, { port: 5000, targetPort: 5000 }));
  const svc = await json('service registry');
  const vip: string = svc.spec.clusterIP;
  t.false(hostAddresses().includes(vip), `cluster IP ${vip} is a host's address`);
  t.not(vip, (await json('pods -l app=registry')).items[0].status.podIP);
  await lab.sh('w1', `echo '${vip} ${NAME}' >> /etc/hosts`);
  t.is((await settle('w1', `${NAME}:5000`, true)).stdout, '200');
  // In the lab's directory: the hosts see it (their /tmp is private).
  const image = makeTestImage(join(lab.dir, 'image'));
  await lab.sh('w1', `skopeo copy --dest-tls-verify=false ${image.ref} docker://${NAME}:5000/hello:1`);
  const pulled = await lab.exec('w1', `ctr image pull --plain-http ${NAME}:5000/hello:1`);
  t.is(pulled.code, 0, pulled.stderr);
  t.regex(await lab.sh('w1', 'ctr image ls -q'), new RegExp(`${NAME.replaceAll('.', '\\.')}:5000/hello:1`));
  // The same address and port on cp1 itself, where the rule lives, works too.
  t.is((await v2('cp1', `${vip}:5000`)).stdout, '200');
});

serial('a wrong selector: the pull through the Service fails; the right selector brings it back', async (t) => {
  await apply(service({ app: 'registri' }, { port: 5000, targetPort: 5000 }));
  const bad = await settle('w1', `${NAME}:5000`, false);
  t.not(bad.stdout, '200', 'a Service selecting no pod must not answer');
  const pull = await lab.exec('w1', `ctr image pull --plain-http ${NAME}:5000/hello:1`);
  t.not(pull.code, 0, 'ctr pull through a Service without endpoints must fail');
  await apply(service({ app: 'registry' }, { port: 5000, targetPort: 5000 }));
  t.is((await settle('w1', `${NAME}:5000`, true)).stdout, '200');
});

serial('a wrong targetPort (number or name) fails; the right one, by number or by name, works', async (t) => {
  await apply(service({ app: 'registry' }, { port: 5000, targetPort: 5001 }));
  t.not((await settle('w1', `${NAME}:5000`, false)).stdout, '200', 'targetPort 5001: nothing listens there in the pod');
  const skopeo = await lab.exec('w1', `skopeo inspect --tls-verify=false docker://${NAME}:5000/hello:1`);
  t.not(skopeo.code, 0, 'skopeo through a wrong targetPort must fail');
  await apply(service({ app: 'registry' }, { port: 5000, targetPort: 'htp' }));
  t.not((await settle('w1', `${NAME}:5000`, false)).stdout, '200', 'a targetPort name no container port has');
  await apply(service({ app: 'registry' }, { port: 5000, targetPort: 'http' }));
  t.is((await settle('w1', `${NAME}:5000`, true)).stdout, '200', 'targetPort by name');
  const ok = await lab.exec('w1', `skopeo inspect --tls-verify=false docker://${NAME}:5000/hello:1`);
  t.is(ok.code, 0, ok.stderr);
});

serial('a Service port other than the one the client uses does not answer; port 80 → targetPort 5000 does', async (t) => {
  await apply(service({ app: 'registry' }, { port: 80, targetPort: 5000 }));
  t.is((await settle('w1', NAME, true)).stdout, '200', 'port 80 routed to the pod\'s 5000');
  t.not((await settle('w1', `${NAME}:5000`, false)).stdout, '200', 'the old port is gone');
});

serial('externalIPs: cp1\'s address on the Service port reaches the pod, and only while the Service says so', async (t) => {
  const cp1 = lab.address('cp1');
  await apply(service({ app: 'registry' }, { port: 5000, targetPort: 'http' }, { externalIPs: [cp1] }));
  t.is((await settle('w1', `${cp1}:5000`, true)).stdout, '200');
  await apply(service({ app: 'registry' }, { port: 5000, targetPort: 'http' }));
  t.not((await settle('w1', `${cp1}:5000`, false)).stdout, '200', 'without externalIPs, cp1:5000 is not routed');
});

serial('NodePort: the node\'s address on the allocated node port reaches the pod; a wrong selector does not', async (t) => {
  const cp1 = lab.address('cp1');
  await apply(service({ app: 'registry' }, { port: 5000, targetPort: 5000, nodePort: 30555 }, { type: 'NodePort' }));
  t.is((await json('service registry')).spec.ports[0].nodePort, 30555);
  t.is((await settle('w1', `${cp1}:30555`, true)).stdout, '200');
  await apply(service({ app: 'nothing' }, { port: 5000, targetPort: 5000, nodePort: 30555 }, { type: 'NodePort' }));
  t.not((await settle('w1', `${cp1}:30555`, false)).stdout, '200');
});

serial('only ready pods are endpoints: a pod that answers but fails its readiness probe gets no traffic through the Service', async (t) => {
  await apply(service({ app: 'registry' }, { port: 5000, targetPort: 'http' }));
  t.is((await settle('w1', `${NAME}:5000`, true)).stdout, '200');
  const unready = structuredClone(deployment);
  unready.spec.template.spec.containers[0]!.readinessProbe.httpGet.path = '/not-here';
  await apply(unready);
  let pod: any;
  for (let i = 0; i < 40; i++) {
    pod = (await json('pods -l app=registry')).items.find((p: any) => p.status.podIP && p.status.containerStatuses?.[0]?.started);
    if (pod && pod.spec.containers[0].readinessProbe.httpGet.path === '/not-here') break;
    await new Promise((res) => setTimeout(res, 250));
  }
  t.is(pod.spec.containers[0].readinessProbe.httpGet.path, '/not-here');
  t.is((await settle('w1', `${pod.status.podIP}:5000`, true)).stdout, '200', 'the pod itself serves');
  t.false(pod.status.conditions.some((c: any) => c.type === 'Ready' && c.status === 'True'));
  t.not((await settle('w1', `${NAME}:5000`, false)).stdout, '200', 'the Service sends nothing to an unready pod');
  await apply(deployment);
  const r = await kubectl('rollout status deployment/registry --timeout=60s');
  t.is(r.code, 0, r.stderr);
  t.is((await settle('w1', `${NAME}:5000`, true)).stdout, '200');
});

serial('two replicas: two pods with their own addresses both listen on 5000, and the Service spreads pulls over both', async (t) => {
  await apply({ ...deployment, spec: { ...deployment.spec, replicas: 2 } });
  const r = await kubectl('rollout status deployment/registry --timeout=60s');
  t.is(r.code, 0, r.stderr);
  const pods = (await json('pods -l app=registry')).items;
  t.is(pods.length, 2);
  const ips: string[] = pods.map((p: any) => p.status.podIP);
  t.is(new Set(ips).size, 2, ips.join(' '));
  for (const ip of ips) t.is((await v2('w1', `${ip}:5000`)).stdout, '200', `${ip} serves`);
  t.is((await json('deployment registry')).status.readyReplicas, 2);
  await apply(service({ app: 'registry' }, { port: 5000, targetPort: 'http' }));
  t.is((await settle('w1', `${NAME}:5000`, true)).stdout, '200');
  // 30 requests through the Service, marked by their user agent: each pod's own log shows some (a
  // random share each: 1 in 2^29 to miss one)
  await lab.sh('w1', `for i in $(seq 30); do curl -sS -o /dev/null --max-time 5 -A via-service-h18c http://${NAME}:5000/v2/; done`);
  for (const p of pods) {
    const log = (await kubectl(`logs -n default ${p.metadata.name}`)).stdout;
    t.regex(log, /via-service-h18c/, `${p.metadata.name} got requests through the Service`);
  }
  await apply(deployment);
  const back = await kubectl('rollout status deployment/registry --timeout=60s');
  t.is(back.code, 0, back.stderr);
  t.is((await json('pods -l app=registry')).items.length, 1, 'scaled back to one pod');
});

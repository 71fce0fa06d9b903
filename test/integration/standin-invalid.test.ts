// The Kubernetes API stand-in refuses what a real API server refuses, through the real kubectl
// (`kubectl apply --server-side`, as regplay's k8s-apply role runs it), with the API server's
// message. Each row cites the Kubernetes source of the rule; the 14 objects of issue 18's audit
// come first. The refused write stores nothing.
import test from 'ava';
import { startStandinApi, type StandinApi } from '../helpers/standin-api.js';

type Obj = Record<string, any>;

const labels = { app: 'registry' };
const deployment: Obj = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'registry', namespace: 'default', labels },
  spec: {
    replicas: 1,
    strategy: { type: 'Recreate' },
    selector: { matchLabels: labels },
    template: {
      metadata: { labels },
      spec: {
        containers: [
          {
            name: 'registry',
            image: 'registry:2.8.3',
            ports: [{ name: 'registry', containerPort: 5000 }],
            readinessProbe: { httpGet: { path: '/', port: 5000, scheme: 'HTTPS' } },
            resources: { requests: { cpu: '100m', memory: '128Mi' } },
            volumeMounts: [{ name: 'data', mountPath: '/var/lib/registry' }],
          },
        ],
        volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'registry-data' } }],
      },
    },
  },
};
const service: Obj = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'registry', namespace: 'default' }, spec: { selector: labels, ports: [{ name: 'registry', port: 5000, targetPort: 5000 }] } };
const configMap: Obj = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'registry-config', namespace: 'default' }, data: { 'config.yml': 'version: 0.1\n' } };
const secret: Obj = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'registry-auth', namespace: 'default' }, type: 'Opaque', data: { htpasswd: Buffer.from('alice:x').toString('base64') } };
const ingress: Obj = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name: 'registry', namespace: 'default' },
  spec: { ingressClassName: 'nginx', rules: [{ host: 'registry.local', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'registry', port: { number: 5000 } } } }] } }] },
};
const pv: Obj = {
  apiVersion: 'v1',
  kind: 'PersistentVolume',
  metadata: { name: 'registry-data' },
  spec: { capacity: { storage: '10Gi' }, accessModes: ['ReadWriteOnce'], storageClassName: '', persistentVolumeReclaimPolicy: 'Retain', hostPath: { path: '/srv/registry', type: 'DirectoryOrCreate' } },
};
const pvc: Obj = {
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name: 'registry-data', namespace: 'default' },
  spec: { accessModes: ['ReadWriteOnce'], storageClassName: '', volumeName: 'registry-data', resources: { requests: { storage: '10Gi' } } },
};
const storageClass = (name: string, extra: Obj = {}): Obj => ({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name }, provisioner: 'standin.regplay/hostpath', ...extra });

/** A deep copy of `o` changed by `edit`. */
function changed(o: Obj, edit: (c: Obj) => void): Obj {
  const c = structuredClone(o);
  edit(c);
  return c;
}
const container = (d: Obj) => d.spec.template.spec.containers[0];

interface Row {
  /** What is refused, and where Kubernetes says so. */
  title: string;
  /** Valid objects applied first (for update rules: the object before the change). */
  before?: Obj[];
  bad: Obj;
  /** The API server's message for it, as kubectl prints it. */
  message: string;
  /**
   * The HTTP status: 422 (reason Invalid, apierrors.NewInvalid from validation) unless said; 500 (no
   * reason) for what fails before validation; 403 (reason Forbidden) for admission.
   */
  status?: 500 | 403;
}

const rows: Row[] = [
  // --- the audit's objects (issue 18) ---
  {
    title: 'replicas: "one" (structured-merge-diff typed/validate.go validateScalar: OpenAPI integer)',
    bad: changed(deployment, (d) => (d.spec.replicas = 'one')),
    status: 500,
    message: 'failed to create typed patch object (default/registry; apps/v1, Kind=Deployment): .spec.replicas: expected numeric (int or float), got string',
  },
  {
    title: 'a string containerPort (validateScalar; the item named by its list-map keys, protocol defaulted)',
    bad: changed(deployment, (d) => (container(d).ports[0].containerPort = '5000')),
    status: 500,
    message:
      'failed to create typed patch object (default/registry; apps/v1, Kind=Deployment): .spec.template.spec.containers[name="registry"].ports[containerPort="5000",protocol="TCP"].containerPort: expected numeric (int or float), got string',
  },
  {
    title: 'strategy.type: Recreat (apps validation ValidateDeploymentStrategy: NotSupported on spec.strategy, the internal struct printed %#v)',
    bad: changed(deployment, (d) => (d.spec.strategy.type = 'Recreat')),
    message: 'spec.strategy: Unsupported value: apps.DeploymentStrategy{Type:"Recreat", RollingUpdate:(*apps.RollingUpdateDeployment)(nil)}: supported values: "Recreate", "RollingUpdate"',
  },
  {
    title: 'duplicate container names (typed/validate.go visitListItems: the list-map key name, before validation.go)',
    bad: changed(deployment, (d) => d.spec.template.spec.containers.push({ name: 'registry', image: 'busybox:1.36' })),
    status: 500,
    message: 'failed to create typed patch object (default/registry; apps/v1, Kind=Deployment): .spec.template.spec.containers: duplicate entries for key [name="registry"]',
  },
  {
    title: 'a volume with two sources (validation.go validateVolumeSource)',
    bad: changed(deployment, (d) => (d.spec.template.spec.volumes[0].emptyDir = {})),
    message: 'spec.template.spec.volumes[0].persistentVolumeClaim: Forbidden: may not specify more than 1 volume type',
  },
  {
    title: 'a probe with no handler (validation.go validateHandler)',
    bad: changed(deployment, (d) => (container(d).readinessProbe = { periodSeconds: 5 })),
    message: 'spec.template.spec.containers[0].readinessProbe: Required value: must specify a handler type',
  },
  {
    title: 'two unnamed Service ports (validation.go validateServicePort: requireName)',
    bad: changed(service, (s) => (s.spec.ports = [{ port: 5000 }, { port: 5001 }])),
    message: 'spec.ports[0].name: Required value',
  },
  {
    title: 'nodePort: 5000 (portallocator: ErrNotInRange)',
    bad: changed(service, (s) => ((s.spec.type = 'NodePort'), (s.spec.ports[0].nodePort = 5000))),
    message: 'spec.ports[0].nodePort: Invalid value: 5000: provided port is not in the valid range. The range of valid ports is 30000-32767',
  },
  {
    title: 'a hostname in externalIPs (validation.go ValidateService: IsValidIP)',
    bad: changed(service, (s) => (s.spec.externalIPs = ['registry.local'])),
    message: 'spec.externalIPs[0]: Invalid value: "registry.local": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
  },
  {
    title: 'a numeric ConfigMap value (validateScalar: OpenAPI map of strings)',
    bad: changed(configMap, (c) => (c.data.port = 5000)),
    status: 500,
    message: 'failed to create typed patch object (default/registry-config; /v1, Kind=ConfigMap): .data.port: expected string, got &value.valueUnstructured{Value:5000}',
  },
  {
    title: 'lifecycle.stopSignal (declared from Kubernetes 1.33 on: undeclared on the 1.32 of the lab)',
    bad: changed(deployment, (d) => (container(d).lifecycle = { stopSignal: 'SIGTERM' })),
    status: 500,
    message: 'failed to create typed patch object (default/registry; apps/v1, Kind=Deployment): .spec.template.spec.containers[name="registry"].lifecycle.stopSignal: field not declared in schema',
  },
  {
    title: 'Secret key a/b (validation.go ValidateSecret: IsConfigMapKey)',
    bad: changed(secret, (s) => (s.data['a/b'] = 'eA==')),
    message: "data[a/b]: Invalid value: \"a/b\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
  },
  {
    title: 'a label value with a space (metav1validation.ValidateLabels: IsValidLabelValue)',
    bad: changed(configMap, (c) => (c.metadata.labels = { tier: 'a b' })),
    message: "metadata.labels: Invalid value: \"a b\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
  },
  {
    title: 'an Ingress without pathType (networking validation: pathType must be specified)',
    bad: changed(ingress, (i) => delete i.spec.rules[0].http.paths[0].pathType),
    message: 'spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified',
  },
  { title: 'a PV without accessModes (validation.go ValidatePersistentVolumeSpec)', bad: changed(pv, (p) => delete p.spec.accessModes), message: 'spec.accessModes: Required value' },
  // --- more of the same rules ---
  {
    title: 'duplicate container port names (validation.go validateContainerPorts)',
    bad: changed(deployment, (d) => container(d).ports.push({ name: 'registry', containerPort: 5001 })),
    message: 'spec.template.spec.containers[0].ports[1].name: Duplicate value: "registry"',
  },
  {
    title: 'a probe with two handlers (validation.go validateHandler)',
    bad: changed(deployment, (d) => (container(d).readinessProbe.tcpSocket = { port: 5000 })),
    message: 'spec.template.spec.containers[0].readinessProbe.tcpSocket: Forbidden: may not specify more than 1 handler type',
  },
  {
    title: 'duplicate Service port names (validation.go validateServicePort)',
    bad: changed(service, (s) => s.spec.ports.push({ name: 'registry', port: 5001 })),
    message: 'spec.ports[1].name: Duplicate value: "registry"',
  },
  {
    title: 'a loopback external IP (validation.go ValidateNonSpecialIP)',
    bad: changed(service, (s) => (s.spec.externalIPs = ['127.0.0.1'])),
    message: 'spec.externalIPs[0]: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)',
  },
  { title: 'a nodePort on a ClusterIP Service (validation.go ValidateService)', bad: changed(service, (s) => (s.spec.ports[0].nodePort = 30080)), message: "spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'" },
  { title: 'protocol: tcp (OpenAPI enum)', bad: changed(service, (s) => (s.spec.ports[0].protocol = 'tcp')), message: 'spec.ports[0].protocol: Unsupported value: "tcp": supported values: "SCTP", "TCP", "UDP"' },
  {
    title: 'a label key with a space (IsQualifiedName)',
    bad: changed(service, (s) => (s.metadata.labels = { 'my app': 'x' })),
    message: "metadata.labels: Invalid value: \"my app\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
  },
  {
    title: 'an annotation key with two slashes (ValidateAnnotations: IsQualifiedName)',
    bad: changed(ingress, (i) => (i.metadata.annotations = { 'a/b/c': 'x' })),
    message: 'metadata.annotations: Invalid value: "a/b/c": a qualified name must consist of',
  },
  {
    title: 'a ConfigMap key a/b (ValidateConfigMap: IsConfigMapKey)',
    bad: changed(configMap, (c) => (c.data['a/b'] = 'x')),
    message: 'data[a/b]: Invalid value: "a/b": a valid config key must consist of alphanumeric characters',
  },
  { title: 'a Secret over 1 MiB (ValidateSecret: MaxSecretSize)', bad: changed(secret, (s) => (s.data.big = Buffer.alloc(1024 * 1024 + 1, 'x').toString('base64'))), message: 'data: Too long: must have at most 1048576 bytes' },
  { title: 'persistentVolumeReclaimPolicy: Keep (OpenAPI enum)', bad: changed(pv, (p) => (p.spec.persistentVolumeReclaimPolicy = 'Keep')), message: 'spec.persistentVolumeReclaimPolicy: Unsupported value: "Keep": supported values: "Delete", "Recycle", "Retain"' },
  { title: 'hostPath.type: Dir (OpenAPI enum)', bad: changed(pv, (p) => (p.spec.hostPath.type = 'Dir')), message: 'spec.hostPath.type: Unsupported value: "Dir": supported values: "", "BlockDevice", "CharDevice", "Directory", "DirectoryOrCreate"' },
  {
    title: 'targetPort: true (untyped to structured-merge-diff; intstr.IntOrString.UnmarshalJSON in Scheme.unstructuredToTyped)',
    bad: changed(service, (s) => (s.spec.ports[0].targetPort = true)),
    status: 500,
    message: 'failed to convert new object (default/registry; /v1, Kind=Service) to proper version: unable to convert unstructured object to /v1, Kind=Service: json: cannot unmarshal bool into Go value of type int32',
  },
  { title: 'a PV with two sources (validatePersistentVolumeSpec)', bad: changed(pv, (p) => (p.spec.nfs = { server: '10.0.0.9', path: '/exports' })), message: 'spec.nfs: Forbidden: may not specify more than 1 volume type' },
  { title: 'a PV with no source', bad: changed(pv, (p) => delete p.spec.hostPath), message: 'spec: Required value: must specify a volume type' },
  { title: 'an NFS PV with a relative path', bad: changed(pv, (p) => (delete p.spec.hostPath, (p.spec.nfs = { server: '10.0.0.9', path: 'exports' }))), message: 'spec.nfs.path: Invalid value: "exports": must be an absolute path' },
  { title: 'a PVC without accessModes (ValidatePersistentVolumeClaimSpec)', bad: changed(pvc, (c) => delete c.spec.accessModes), message: 'spec.accessModes: Required value: at least 1 access mode is required' },
  {
    title: 'a PVC size that is no quantity (resource.Quantity.UnmarshalJSON: ErrFormatWrong, in Scheme.unstructuredToTyped)',
    bad: changed(pvc, (c) => (c.spec.resources.requests.storage = '10 GB')),
    status: 500,
    message:
      "failed to convert new object (default/registry-data; /v1, Kind=PersistentVolumeClaim) to proper version: unable to convert unstructured object to /v1, Kind=PersistentVolumeClaim: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
  },
  { title: 'imagePullPolicy: Sometimes (OpenAPI enum)', bad: changed(deployment, (d) => (container(d).imagePullPolicy = 'Sometimes')), message: 'spec.template.spec.containers[0].imagePullPolicy: Unsupported value: "Sometimes": supported values: "Always", "IfNotPresent", "Never"' },
  { title: 'containerPort 70000 (IsValidPortNum)', bad: changed(deployment, (d) => (container(d).ports[0].containerPort = 70000)), message: 'spec.template.spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive' },
  { title: 'a volumeMount of no volume (validateVolumeMounts)', bad: changed(deployment, (d) => (container(d).volumeMounts[0].name = 'nope')), message: 'spec.template.spec.containers[0].volumeMounts[0].name: Not found: "nope"' },
  { title: 'replicas: -1 (ValidateDeploymentSpec)', bad: changed(deployment, (d) => (d.spec.replicas = -1)), message: 'spec.replicas: Invalid value: -1: must be greater than or equal to 0' },
  {
    title: 'a request above its limit (ValidateResourceRequirements)',
    bad: changed(deployment, (d) => (container(d).resources = { requests: { memory: '2Gi' }, limits: { memory: '1Gi' } })),
    message: 'spec.template.spec.containers[0].resources.requests: Invalid value: "2Gi": must be less than or equal to memory limit of 1Gi',
  },
  { title: 'restartPolicy: OnFailure in a Deployment (ValidatePodTemplateSpecForReplicaSet)', bad: changed(deployment, (d) => (d.spec.template.spec.restartPolicy = 'OnFailure')), message: 'spec.template.spec.restartPolicy: Unsupported value: "OnFailure": supported values: "Always"' },
  {
    title: 'two volumes of one name (visitListItems: the list-map key name, before ValidateVolumes)',
    bad: changed(deployment, (d) => d.spec.template.spec.volumes.push({ name: 'data', emptyDir: {} })),
    status: 500,
    message: 'failed to create typed patch object (default/registry; apps/v1, Kind=Deployment): .spec.template.spec.volumes: duplicate entries for key [name="data"]',
  },
  { title: 'an Ingress host that is an IP (validateIngressRules)', bad: changed(ingress, (i) => (i.spec.rules[0].host = '10.0.0.5')), message: 'spec.rules[0].host: Invalid value: "10.0.0.5": must be a DNS name, not an IP address' },
  { title: 'an Ingress Prefix path that is relative', bad: changed(ingress, (i) => (i.spec.rules[0].http.paths[0].path = 'v2')), message: 'spec.rules[0].http.paths[0].path: Invalid value: "v2": must be an absolute path' },
  { title: 'a StorageClass without provisioner (ValidateStorageClass; OpenAPI required)', bad: changed(storageClass('fast'), (c) => delete c.provisioner), message: 'provisioner: Required value' },
  { title: 'a Service name with capitals (NameIsDNS1035Label)', bad: changed(service, (s) => (s.metadata.name = 'Registry')), message: 'metadata.name: Invalid value: "Registry": a DNS-1035 label must consist of lower case alphanumeric characters' },
  // --- immutable fields (Validate*Update) ---
  { title: 'a changed Service clusterIP (ValidateServiceUpdate: ValidateImmutableField)', before: [changed(service, (s) => (s.spec.clusterIP = '127.0.0.1'))], bad: changed(service, (s) => (s.spec.clusterIP = '10.0.0.7')), message: 'spec.clusterIP: Invalid value: "10.0.0.7": field is immutable' },
  {
    title: 'a changed Deployment selector (apps ValidateDeploymentUpdate)',
    before: [deployment],
    bad: changed(deployment, (d) => ((d.spec.selector.matchLabels = { app: 'registry', tier: 'x' }), (d.spec.template.metadata.labels = { app: 'registry', tier: 'x' }))),
    message: 'spec.selector: Invalid value: {"matchLabels":{"app":"registry","tier":"x"}}: field is immutable',
  },
  { title: 'the data of an immutable Secret (ValidateSecretUpdate)', before: [changed(secret, (s) => (s.immutable = true))], bad: changed(secret, (s) => ((s.immutable = true), (s.data.htpasswd = 'eA=='))), message: 'data: Forbidden: field is immutable when `immutable` is set' },
  { title: 'the data of an immutable ConfigMap (ValidateConfigMapUpdate)', before: [changed(configMap, (c) => (c.immutable = true))], bad: changed(configMap, (c) => ((c.immutable = true), (c.data['config.yml'] = 'x'))), message: 'data: Forbidden: field is immutable when `immutable` is set' },
  {
    title: "a PV's hostPath (ValidatePersistentVolumeUpdate)",
    before: [pv],
    bad: changed(pv, (p) => (p.spec.hostPath.path = '/srv/elsewhere')),
    message: 'spec.persistentvolumesource: Forbidden: spec.persistentvolumesource is immutable after creation',
  },
  {
    title: "a PVC's access modes (ValidatePersistentVolumeClaimUpdate)",
    before: [pv, pvc],
    bad: changed(pvc, (c) => (c.spec.accessModes = ['ReadWriteMany'])),
    message: 'spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims',
  },
  { title: 'a shrunk PVC (ValidatePersistentVolumeClaimUpdate)', before: [pv, pvc], bad: changed(pvc, (c) => (c.spec.resources.requests.storage = '5Gi')), message: 'spec.resources.requests.storage: Forbidden: field can not be less than status.capacity' },
  {
    title: "a StorageClass's provisioner (ValidateStorageClassUpdate)",
    before: [storageClass('fast')],
    bad: changed(storageClass('fast'), (c) => (c.provisioner = 'example.com/other')),
    message: 'provisioner: Forbidden: updates to provisioner are forbidden.',
  },
  // --- expansion admission (plugin/pkg/admission/storage/persistentvolume/resize) ---
  {
    title: 'growing a PVC bound to a static PV without a class',
    before: [changed(pv, (p) => (p.spec.capacity.storage = '20Gi')), pvc],
    bad: changed(pvc, (c) => (c.spec.resources.requests.storage = '20Gi')),
    status: 403,
    message: 'persistentvolumeclaims "registry-data" is forbidden: only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize',
  },
  {
    title: 'growing a PVC whose StorageClass has no allowVolumeExpansion',
    before: [storageClass('fixed'), changed(pvc, (c) => ((c.spec.storageClassName = 'fixed'), delete c.spec.volumeName))],
    bad: changed(pvc, (c) => ((c.spec.storageClassName = 'fixed'), delete c.spec.volumeName, (c.spec.resources.requests.storage = '20Gi'))),
    status: 403,
    message: 'persistentvolumeclaims "registry-data" is forbidden: only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize',
  },
];

/**
 * What each status looks like. 422: apierrors.NewInvalid (reason Invalid). 500: a plain Go error
 * (structured-merge-diff's typed patch, the Go conversion) that responsewriters.ErrorToAPIStatus turns
 * into a Status without reason (kubernetes#122480 shows one such answer). 403: admission.NewForbidden.
 */
const STATUS = {
  422: { reason: 'Invalid', kubectl: undefined },
  500: { reason: undefined, kubectl: 'Error from server: ' },
  403: { reason: 'Forbidden', kubectl: 'Error from server (Forbidden): ' },
} as const;

const PLURAL: Record<string, string> = { Deployment: 'deployments', Service: 'services', ConfigMap: 'configmaps', Secret: 'secrets', Ingress: 'ingresses', PersistentVolume: 'persistentvolumes', PersistentVolumeClaim: 'persistentvolumeclaims', StorageClass: 'storageclasses' };
function resourcePath(o: Obj): string {
  const base = o.apiVersion.includes('/') ? `/apis/${o.apiVersion}` : `/api/${o.apiVersion}`;
  return `${base}${o.metadata.namespace ? `/namespaces/${o.metadata.namespace}` : ''}/${PLURAL[o.kind]}/${o.metadata.name}`;
}

const cluster = (o: Obj) => !o.metadata.namespace;
const getArgs = (o: Obj) => ['get', `${o.kind.toLowerCase()}.${o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : ''}`.replace(/\.$/, ''), o.metadata.name, ...(cluster(o) ? [] : ['-n', o.metadata.namespace]), '-o', 'json', '--ignore-not-found'];

// At most four stand-ins (and their kubectl runs) at once: the machine is shared.
let running = 0;
const waiting: Array<() => void> = [];
async function slot<T>(fn: () => Promise<T>): Promise<T> {
  if (running >= 4) await new Promise<void>((r) => waiting.push(r));
  running++;
  try {
    return await fn();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

for (const [i, row] of rows.entries()) {
  test(`refused with the API server's message: ${row.title}`, (t) => slot(async () => {
    const api: StandinApi = await startStandinApi();
    try {
      for (const o of row.before ?? []) {
        const ok = await api.apply([o]);
        t.is(ok.code, 0, `setup: ${ok.stderr}`);
      }
      const stored = await api.kubectl(getArgs(row.bad));
      const r = await api.apply([row.bad]);
      t.not(r.code, 0, `row ${i} was accepted`);
      // kubectl's StandardErrorMessage: an Invalid Status as `The <Kind> "<name>" is invalid: ` and its
      // causes; another with its reason in brackets; one without reason as "Error from server:".
      const status = STATUS[row.status ?? 422];
      const shown = status.kubectl ?? `The ${row.bad.kind} "${row.bad.metadata.name}" is invalid: `;
      t.true(r.stderr.includes(shown) && r.stderr.includes(row.message) && (status.kubectl === undefined || r.stderr.includes(`${shown}${row.message}`)), `expected: ${shown}${row.message}\n     got: ${r.stderr}`);
      const direct = await api.request('PATCH', `${resourcePath(row.bad)}?fieldManager=regplay&fieldValidation=Strict&force=true`, row.bad, 'application/apply-patch+yaml');
      t.is(direct.status, row.status ?? 422, 'the HTTP status');
      t.is(direct.body.code, row.status ?? 422);
      t.is(direct.body.reason, status.reason, 'the Status reason');
      t.true(String(direct.body.message).includes(row.message), direct.body.message);
      const after = await api.kubectl(getArgs(row.bad));
      t.is(after.stdout, stored.stdout, 'the refused write changed nothing');
    } finally {
      await api.stop();
    }
  }));
}

test('an invalid object gets a 422 Status of reason Invalid with the causes, as apierrors.NewInvalid builds it', async (t) => {
  const api = await startStandinApi();
  try {
    const bad = changed(deployment, (d) => (d.spec.strategy.type = 'Recreat'));
    const r = await api.request('PATCH', '/apis/apps/v1/namespaces/default/deployments/registry?fieldManager=regplay', bad, 'application/apply-patch+yaml');
    t.is(r.status, 422);
    t.like(r.body, { kind: 'Status', status: 'Failure', reason: 'Invalid', code: 422, details: { name: 'registry', group: 'apps', kind: 'Deployment' } });
    const detail = 'Unsupported value: apps.DeploymentStrategy{Type:"Recreat", RollingUpdate:(*apps.RollingUpdateDeployment)(nil)}: supported values: "Recreate", "RollingUpdate"';
    t.is(r.body.message, `Deployment.apps "registry" is invalid: spec.strategy: ${detail}`);
    t.deepEqual(r.body.details.causes, [{ reason: 'FieldValueNotSupported', message: detail, field: 'spec.strategy' }]);
    const two = await api.request('POST', '/api/v1/namespaces/default/configmaps', changed(configMap, (c) => ((c.data['a/b'] = 'x'), (c.data['c d'] = 'y'))));
    t.is(two.status, 422);
    // ValidateConfigMap ranges over a Go map: the two errors come in either order, in brackets.
    t.regex(two.body.message, /^ConfigMap "registry-config" is invalid: \[data\[(a\/b|c d)\]: Invalid value: .*\]$/, 'core group: no group suffix; several errors in brackets');
    t.true(two.body.message.includes('data[a/b]: Invalid value: "a/b": ') && two.body.message.includes('data[c d]: Invalid value: "c d": '), two.body.message);
  } finally {
    await api.stop();
  }
});

test('what fails before validation (structured-merge-diff, the Go conversion) is a 500 Status without reason or details', async (t) => {
  const api = await startStandinApi();
  try {
    const r = await api.request('PATCH', '/apis/apps/v1/namespaces/default/deployments/registry?fieldManager=regplay', changed(deployment, (d) => (d.spec.replicas = 'one')), 'application/apply-patch+yaml');
    t.is(r.status, 500);
    t.deepEqual(r.body, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'failed to create typed patch object (default/registry; apps/v1, Kind=Deployment): .spec.replicas: expected numeric (int or float), got string',
      code: 500,
    });
    // typed/helpers.go ValidationErrors.Error(): several errors under "errors:", one per line.
    const several = changed(deployment, (d) => ((d.spec.paused = 'yes'), (container(d).volumeMounts[0].mountpath = '/x')));
    const m = await api.request('PATCH', '/apis/apps/v1/namespaces/default/deployments/registry?fieldManager=regplay', several, 'application/apply-patch+yaml');
    t.is(m.status, 500);
    t.is(
      m.body.message,
      'failed to create typed patch object (default/registry; apps/v1, Kind=Deployment): errors:\n  .spec.paused: expected boolean, got &{yes}\n  .spec.template.spec.containers[name="registry"].volumeMounts[mountPath="/var/lib/registry"].mountpath: field not declared in schema',
    );
    const ignored = await api.request('PATCH', '/apis/apps/v1/namespaces/default/deployments/registry', deployment, 'application/apply-patch+yaml');
    t.is(ignored.status, 422, 'ValidatePatchOptions comes first: an apply without fieldManager');
    const stored = await api.kubectl(['get', 'deployments', '-n', 'default', '-o', 'name']);
    t.is(stored.stdout.trim(), '', 'nothing was stored');
  } finally {
    await api.stop();
  }
});

test('a valid registry set of objects is accepted (the rows above fail for their one defect only)', async (t) => {
  const api = await startStandinApi();
  try {
    const r = await api.apply([pv, pvc, secret, configMap, deployment, changed(service, (s) => ((s.spec.type = 'NodePort'), (s.spec.ports[0].nodePort = 30500), (s.spec.externalIPs = ['10.0.0.5']))), ingress, storageClass('fast')]);
    t.is(r.code, 0, r.stderr);
  } finally {
    await api.stop();
  }
});

test('a Service leaving NodePort releases the node port it was given (dropTypeDependentFields); a taken port is refused', async (t) => {
  const api = await startStandinApi();
  try {
    t.is((await api.apply([changed(service, (s) => (s.spec.type = 'NodePort'))])).code, 0);
    const given = JSON.parse((await api.kubectl(['get', 'service', 'registry', '-n', 'default', '-o', 'json'])).stdout);
    t.true(given.spec.ports[0].nodePort >= 30000, 'the server allocated a node port');
    const back = await api.apply([service]);
    t.is(back.code, 0, back.stderr);
    const live = JSON.parse((await api.kubectl(['get', 'service', 'registry', '-n', 'default', '-o', 'json'])).stdout);
    t.is(live.spec.type, 'ClusterIP');
    t.is(live.spec.ports[0].nodePort, undefined);
    const fixed = (name: string) => changed(service, (s) => ((s.metadata.name = name), (s.spec.type = 'NodePort'), (s.spec.ports[0].nodePort = 30500)));
    t.is((await api.apply([fixed('one')])).code, 0);
    const taken = await api.apply([fixed('two')]);
    t.not(taken.code, 0);
    t.true(taken.stderr.includes('spec.ports[0].nodePort: Invalid value: 30500: provided port is already allocated'), taken.stderr);
  } finally {
    await api.stop();
  }
});

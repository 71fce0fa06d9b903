// Kubernetes API stand-in: defaulting and validation, in the API server's order: the OpenAPI schema
// (types, enums, required fields, formats: ./schema.ts), then the semantic rules of
// pkg/apis/*/validation for the kinds the registry role uses, create and update alike.
import { isPlainObject } from './fieldset.js';
import { fieldErrors, InvalidError, type Cause, type FieldErrors } from './field-errors.js';
import { canonicalizeQuantities, quantityValue, QUANTITY } from './quantity.js';
import { checkSchema } from './schema.js';
import { validateAnnotations, validateDataKeys, validateImmutableData, validateLabels, validateObjectMeta } from './validate-meta.js';
import { validateIngress } from './validate-ingress.js';
import { validatePodDisruptionBudget } from './validate-policy.js';
import { validateCrd } from './custom-resources.js';
import { defaultPodSpec, validatePodTemplate } from './validate-pod.js';
import { defaultAndValidateService, type ServiceContext } from './validate-service.js';
import { defaultAndValidatePV, defaultAndValidatePVC, defaultAndValidateStorageClass } from './validate-storage.js';

export { InvalidError, quantityValue, QUANTITY, type Cause };
export type Obj = Record<string, any>;
export type DefaultContext = ServiceContext;

function isBase64(s: unknown): boolean {
  return typeof s === 'string' && /^[A-Za-z0-9+/]*={0,2}$/.test(s) && s.length % 4 === 0;
}

function defaultSecret(o: Obj, live: Obj | undefined, f: FieldErrors) {
  o.type ??= 'Opaque';
  if (isPlainObject(o.stringData)) {
    o.data ??= {};
    for (const [k, v] of Object.entries(o.stringData)) o.data[k] = Buffer.from(String(v)).toString('base64');
    delete o.stringData;
  }
  for (const [k, v] of Object.entries(o.data ?? {})) {
    if (!isBase64(v)) f.invalid(`data[${k}]`, '<secret contents redacted>', 'illegal base64 data');
  }
  validateDataKeys(o, f);
  const need = o.type === 'kubernetes.io/tls' ? ['tls.crt', 'tls.key'] : o.type === 'kubernetes.io/dockerconfigjson' ? ['.dockerconfigjson'] : [];
  for (const k of need) if (!o.data?.[k]) f.required(`data[${k}]`);
  if (o.type === 'kubernetes.io/dockerconfigjson' && o.data?.['.dockerconfigjson']) {
    try {
      JSON.parse(Buffer.from(o.data['.dockerconfigjson'], 'base64').toString());
    } catch {
      f.invalid('data[.dockerconfigjson]', '<secret contents redacted>', 'invalid character in JSON');
    }
  }
  if (live && live.type !== o.type) f.immutable('type', o.type);
  validateImmutableData(o, live, f);
}

/** pkg/apis/apps/validation ValidateDeploymentSpec / ValidateDeploymentUpdate. */
function defaultDeployment(o: Obj, live: Obj | undefined, f: FieldErrors) {
  const s = (o.spec ??= {});
  s.replicas ??= 1;
  s.revisionHistoryLimit ??= 10;
  s.progressDeadlineSeconds ??= 600;
  s.strategy ??= { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } };
  s.strategy.type ??= 'RollingUpdate';
  if (s.strategy.type === 'RollingUpdate') s.strategy.rollingUpdate ??= { maxUnavailable: '25%', maxSurge: '25%' };
  if (s.replicas < 0) f.invalid('spec.replicas', s.replicas, 'must be greater than or equal to 0');
  if (s.revisionHistoryLimit < 0) f.invalid('spec.revisionHistoryLimit', s.revisionHistoryLimit, 'must be greater than or equal to 0');
  if (s.strategy.type === 'Recreate' && s.strategy.rollingUpdate) f.forbidden('spec.strategy.rollingUpdate', "may not be specified when strategy `type` is 'Recreate'");
  if (s.progressDeadlineSeconds <= (s.minReadySeconds ?? 0)) f.invalid('spec.progressDeadlineSeconds', s.progressDeadlineSeconds, 'must be greater than minReadySeconds');
  const sel = s.selector;
  if (!isPlainObject(sel)) f.required('spec.selector');
  else {
    const matchLabels = isPlainObject(sel.matchLabels) ? sel.matchLabels : {};
    validateLabels(matchLabels, 'spec.selector.matchLabels', f);
    if (!Object.keys(matchLabels).length && !(Array.isArray(sel.matchExpressions) && sel.matchExpressions.length))
      f.invalid('spec.selector', sel, 'empty selector is invalid for deployment');
    const labels = s.template?.metadata?.labels ?? {};
    if (!Object.entries(matchLabels).every(([k, v]) => labels[k] === v)) f.invalid('spec.template.metadata.labels', labels, '`selector` does not match template `labels`');
  }
  if (live && JSON.stringify(live.spec?.selector) !== JSON.stringify(s.selector)) f.immutable('spec.selector', s.selector);
  s.template ??= {};
  s.template.metadata ??= {};
  s.template.spec ??= {};
  validateAnnotations(s.template.metadata.annotations, 'spec.template.metadata.annotations', f);
  validatePodTemplate(s.template, 'spec.template', f);
  defaultPodSpec(s.template.spec);
}

/** Defaults the object in place and throws InvalidError listing every violation. */
export function defaultAndValidate(o: Obj, live: Obj | undefined, ctx: DefaultContext): void {
  // The schema first: a value of the wrong type never reaches the semantic rules (on a real server
  // it would not even decode).
  const schema = checkSchema(o);
  if (schema.causes.length) throw new InvalidError(schema.causes);
  const f = fieldErrors();
  validateObjectMeta(o, f);
  switch (o.kind) {
    case 'Namespace':
      o.metadata.labels = { ...(o.metadata.labels ?? {}), 'kubernetes.io/metadata.name': o.metadata.name };
      o.spec ??= { finalizers: ['kubernetes'] };
      o.status = { phase: 'Active' };
      break;
    case 'Secret':
      defaultSecret(o, live, f);
      break;
    case 'ConfigMap':
      validateDataKeys(o, f);
      validateImmutableData(o, live, f);
      break;
    case 'Service':
      defaultAndValidateService(o, live, ctx, f);
      break;
    case 'Deployment':
      defaultDeployment(o, live, f);
      break;
    case 'PersistentVolumeClaim':
      defaultAndValidatePVC(o, live, f);
      break;
    case 'PersistentVolume':
      defaultAndValidatePV(o, live, f);
      break;
    case 'StorageClass':
      defaultAndValidateStorageClass(o, live, f);
      break;
    case 'CustomResourceDefinition':
      validateCrd(o, live, f);
      break;
    case 'PodDisruptionBudget':
      validatePodDisruptionBudget(o, f);
      break;
    case 'Ingress':
      validateIngress(o, f);
      o.status ??= { loadBalancer: {} };
      break;
  }
  if (f.list.length) throw new InvalidError(f.list);
  canonicalizeQuantities(o);
}

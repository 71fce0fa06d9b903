// Kubernetes API stand-in: the HTTP API the real kubectl talks to (tests and lab only).
// Discovery, get/list/watch, create, update, patch (merge/strategic/json), server-side apply
// (also dry-run), delete. Not a Kubernetes API server: an approximation for the regplay lab.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { serverSideApply, recordUpdate } from './apply.js';
import * as discovery from './discovery.js';
import { deepEqual } from './fieldset.js';
import { apiVersionOf, kindByKind, kindByPlural, setCustomKinds, type KindInfo } from './kinds.js';
import { CRD_API_VERSION, crdKinds } from './custom-resources.js';
import { decodeProtobufObject } from './protobuf.js';
import { applyPatch, patchTypeOf, PatchError } from './patch.js';
import { fieldSelector, labelSelector } from './selectors.js';
import { now, type Obj, type Store, type WatchEvent } from './store.js';
import { toTable } from './table.js';
import { firstFree, inCidr, parseCidr, type Cidr } from './cidr.js';
import { unknownFields } from './schema.js';
import { applyDecodeError } from './typed-patch.js';
import { jsonDecodeError, patchDecodeRefusal } from './decode-errors.js';
import { defaultAndValidate, InvalidError, quantityValue, type DefaultContext } from './validate.js';
import { podSecurityWarning } from './pod-security.js';
import { podTemplateWarnings } from './workload-warnings.js';
import { bindingFor, boundTo, claimReference, defaultClass, provisionPV, pvHostDir, resizeRefusal, volumePhase } from './volumes.js';

export interface ApiOptions {
  store: Store;
  stateDir: string;
  serviceIP: string;
  /** --service-cidr: cluster IPs are allocated from it (otherwise every Service gets serviceIP). */
  serviceCidr?: string;
  serverAddress: string;
  /** Called after every stored change (the stand-in kubelet reconciles here). */
  onChange?: (obj: Obj, type: WatchEvent['type']) => void;
  log?: (line: string) => void;
  /** The container log of a pod (`kubectl logs`). */
  onLog?: (pod: Obj) => string;
  /**
   * Objects created at start when absent, like the add-on manifests kind and k3s install (their
   * default StorageClass among them). The stand-in itself creates no StorageClass.
   */
  addons?: Obj[];
}

class HttpError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: Obj,
  ) {
    super(message);
  }
}

interface Target {
  kind: KindInfo;
  namespace?: string;
  name?: string;
  sub?: string;
}

function resourceName(k: KindInfo): string {
  return k.group ? `${k.plural}.${k.group}` : k.plural;
}

function notFound(k: KindInfo, name: string): HttpError {
  return new HttpError(404, 'NotFound', `${resourceName(k)} "${name}" not found`, { name, group: k.group || undefined, kind: k.plural });
}

function statusBody(e: HttpError) {
  // An error that is no API status (reason '') is answered without reason, as ErrorToAPIStatus does.
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: e.message, reason: e.reason || undefined, details: e.details, code: e.code };
}

function parseTarget(segs: string[]): Target | 'discovery' | undefined {
  let group: string;
  let version: string;
  let rest: string[];
  if (segs[0] === 'api' && segs[1] === 'v1') [group, version, rest] = ['', 'v1', segs.slice(2)];
  else if (segs[0] === 'apis' && segs.length >= 3) [group, version, rest] = [segs[1]!, segs[2]!, segs.slice(3)];
  else return undefined;
  if (!rest.length) return 'discovery';
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const kind = kindByPlural(group, version, rest[0]!);
  if (!kind) throw new HttpError(404, 'NotFound', 'the server could not find the requested resource');
  return { kind, namespace: kind.namespaced ? namespace : undefined, name: rest[1], sub: rest[2] };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const body = Buffer.concat(chunks);
  if ((req.headers['content-type'] ?? '').startsWith('application/vnd.kubernetes.protobuf')) {
    let o: Obj;
    try {
      o = decodeProtobufObject(body);
    } catch (e) {
      throw new HttpError(400, 'BadRequest', `the body of the request was in an unknown format: ${(e as Error).message}`);
    }
    if (o.kind !== 'Namespace')
      throw new HttpError(415, 'UnsupportedMediaType', `the Kubernetes API stand-in reads protobuf only for Namespace; send ${o.kind} as JSON`);
    return JSON.stringify(o);
  }
  return body.toString('utf8');
}

function send(res: ServerResponse, code: number, body: unknown, contentType = 'application/json') {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function withoutVolatile(o: Obj): Obj {
  const c = structuredClone(o);
  delete c.metadata?.resourceVersion;
  for (const e of c.metadata?.managedFields ?? []) delete e.time;
  return c;
}

function undeclared(o: Obj): string[] {
  const { status, ...rest } = o;
  const { managedFields, ...meta } = rest.metadata ?? {};
  return unknownFields({ ...rest, metadata: meta });
}

/**
 * Create and update decode the body into the kind's Go type first (pkg/endpoints/handlers/create.go,
 * update.go: decoder.Decode, then transformDecodeError): a value of the wrong type is a 400
 * BadRequest `<Kind> in version "<v>" cannot be handled as a <Kind>: json: cannot unmarshal …`
 * whatever fieldValidation says; with `fieldValidation=Strict` (kubectl's default) undeclared fields
 * are one too (`strict decoding error: unknown field …`), after the type errors (the serializer's
 * unmarshal returns a decoding error before the strict ones).
 */
function decodeCheck(o: Obj, q: URLSearchParams) {
  const refuse = (why: string) => new HttpError(400, 'BadRequest', `${o.kind} in version "${String(o.apiVersion).split('/').pop()}" cannot be handled as a ${o.kind}: ${why}`);
  const wrongType = jsonDecodeError(o);
  if (wrongType) throw refuse(wrongType);
  if (q.get('fieldValidation') !== 'Strict') return;
  const bad = undeclared(o);
  if (bad.length) throw refuse(`strict decoding error: ${bad.map((f) => `unknown field "${f}"`).join(', ')}`);
}

function specPart(o: Obj): Obj {
  const { metadata, status, ...rest } = o;
  return rest;
}

export class Api {
  private nextNodePort = 30000;
  private readonly defaults: DefaultContext;

  constructor(private readonly o: ApiOptions) {
    this.defaults = {
      serviceIP: o.serviceIP,
      clusterIPs: o.serviceCidr ? this.clusterIPRange(parseCidr(o.serviceCidr)) : undefined,
      nodePort: () => this.allocateNodePort(),
      nodePortsInUse: (namespace, name) =>
        new Set(
          this.o.store
            .list('v1', 'Service')
            .filter((s) => !(s.metadata.namespace === namespace && s.metadata.name === name))
            .flatMap((s) => (s.spec?.ports ?? []).map((p: Obj) => p.nodePort))
            .filter((p) => typeof p === 'number'),
        ),
    };
  }

  private clusterIPRange(c: Cidr): NonNullable<DefaultContext['clusterIPs']> {
    return {
      range: c.text,
      contains: (ip) => inCidr(c, ip),
      inUse: (namespace, name) =>
        new Set(
          this.o.store
            .list('v1', 'Service')
            .filter((s) => !(s.metadata.namespace === namespace && s.metadata.name === name))
            .map((s) => s.spec?.clusterIP)
            .filter((ip) => typeof ip === 'string'),
        ),
      next: (used) => firstFree(c, used),
    };
  }

  private allocateNodePort(): number {
    const used = new Set(this.o.store.list('v1', 'Service').flatMap((s) => (s.spec?.ports ?? []).map((p: Obj) => p.nodePort)));
    while (used.has(this.nextNodePort)) this.nextNodePort++;
    return this.nextNodePort++;
  }

  /** Namespace `default` (and its ServiceAccount) exist from the start, as in every cluster. */
  bootstrap(): void {
    this.refreshCustomKinds();
    if (!this.o.store.get('v1', 'Namespace', undefined, 'default')) this.createNamespace('default');
    for (const ns of this.o.store.list('v1', 'Namespace')) this.ensureDefaultServiceAccount(ns.metadata.name);
    for (const addon of this.o.addons ?? []) {
      const kind = kindByKind(addon.apiVersion, addon.kind);
      if (!kind) throw new Error(`add-on ${addon.kind} ${addon.metadata?.name}: the stand-in does not serve ${addon.apiVersion} ${addon.kind}`);
      if (this.o.store.get(addon.apiVersion, addon.kind, addon.metadata?.namespace, addon.metadata?.name)) continue;
      const t: Target = { kind, namespace: addon.metadata?.namespace };
      this.commit(t, undefined, recordUpdate(undefined, structuredClone(addon), 'standin-addons', addon.apiVersion, now()), false);
    }
  }

  private createNamespace(name: string) {
    const ns: Obj = { apiVersion: 'v1', kind: 'Namespace', metadata: { name } };
    defaultAndValidate(ns, undefined, this.defaults);
    this.store(ns, 'ADDED');
  }

  private ensureDefaultServiceAccount(namespace: string) {
    if (this.o.store.get('v1', 'ServiceAccount', namespace, 'default')) return;
    this.store({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace } }, 'ADDED');
  }

  /** The kinds the established CRDs serve, in discovery and the API at once. */
  private refreshCustomKinds(): void {
    setCustomKinds(this.o.store.list(CRD_API_VERSION, 'CustomResourceDefinition').flatMap(crdKinds));
  }

  private store(obj: Obj, type: WatchEvent['type']): Obj {
    const stored = this.o.store.put(obj);
    if (stored.kind === 'Namespace' && type === 'ADDED') this.ensureDefaultServiceAccount(stored.metadata.name);
    if (stored.kind === 'CustomResourceDefinition') this.refreshCustomKinds();
    this.o.onChange?.(stored, type);
    return stored;
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://standin');
    try {
      await this.route(req, res, url);
    } catch (e) {
      const err =
        e instanceof HttpError
          ? e
          : e instanceof InvalidError
            ? new HttpError(422, 'Invalid', e.message)
            : e instanceof PatchError
              ? new HttpError(422, 'Invalid', e.message)
              : new HttpError(500, 'InternalError', `stand-in error: ${(e as Error).message}`);
      if (err.code === 500) this.o.log?.(`standin: ${req.method} ${url.pathname}: ${(e as Error).stack}`);
      if (!res.headersSent) send(res, err.code, statusBody(err));
      else res.end();
    }
  }

  private async route(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const method = req.method ?? 'GET';
    if (method === 'GET') {
      const fixed = this.fixedGet(path);
      if (fixed !== undefined) return send(res, 200, fixed);
    }
    const segs = path.split('/').filter(Boolean);
    const target = parseTarget(segs);
    if (target === undefined) throw new HttpError(404, 'NotFound', 'the server could not find the requested resource');
    if (target === 'discovery') throw new HttpError(404, 'NotFound', 'the server could not find the requested resource');
    const q = url.searchParams;
    const dryRun = q.getAll('dryRun').includes('All');
    if (target.kind.namespaced && target.name !== undefined && !target.namespace)
      throw new HttpError(404, 'NotFound', 'the server could not find the requested resource');

    if (method === 'POST' || method === 'PUT' || method === 'PATCH') {
      // validating admission's warnings go out as the HTTP Warning header (RFC 7234 warn-code 299)
      this.lastWarnings = [];
      const written = res.writeHead.bind(res);
      res.writeHead = ((code: number, ...rest: unknown[]) => {
        if (code < 300 && this.lastWarnings.length) res.setHeader('Warning', this.lastWarnings.map((w) => `299 - "${w.replace(/[\\"]/g, (c) => `\\${c}`)}"`));
        this.lastWarnings = [];
        return (written as (...a: unknown[]) => ServerResponse)(code, ...rest);
      }) as typeof res.writeHead;
    }
    switch (method) {
      case 'GET':
        if (q.get('watch') === 'true' || q.get('watch') === '1') return this.watch(req, res, target, q);
        if (target.name === undefined) return this.list(req, res, target, q);
        return this.get(res, target, req, q);
      case 'POST':
        return send(res, 201, this.create(target, await readBody(req), q, dryRun));
      case 'PUT':
        return send(res, 200, this.update(target, await readBody(req), q, dryRun));
      case 'PATCH': {
        const r = this.patch(target, req.headers['content-type'] ?? '', await readBody(req), q, dryRun);
        return send(res, r.created ? 201 : 200, r.object);
      }
      case 'DELETE':
        return send(res, 200, this.delete(target, dryRun));
      default:
        throw new HttpError(405, 'MethodNotAllowed', `method ${method} not allowed`);
    }
  }

  private fixedGet(path: string): unknown {
    if (path === '/version') return discovery.versionInfo();
    if (path === '/api') return discovery.coreVersions(this.o.serverAddress);
    if (path === '/apis') return discovery.groupList();
    if (path === '/healthz' || path === '/readyz' || path === '/livez') return 'ok';
    if (path === '/openapi/v3') return discovery.openapiV3Root();
    if (path.startsWith('/openapi/v3/')) {
      const doc = discovery.openapiV3Doc(path.slice('/openapi/v3/'.length));
      if (!doc) throw new HttpError(404, 'NotFound', 'the server could not find the requested resource');
      return doc;
    }
    const m = /^\/api\/(v1)$|^\/apis\/([^/]+)\/([^/]+)$/.exec(path);
    if (m) {
      const list = m[1] ? discovery.resourceList('', 'v1') : discovery.resourceList(m[2]!, m[3]!);
      if (!list) throw new HttpError(404, 'NotFound', 'the server could not find the requested resource');
      return list;
    }
    const g = /^\/apis\/([^/]+)$/.exec(path);
    if (g) {
      const group = discovery.group(g[1]!);
      if (!group) throw new HttpError(404, 'NotFound', 'the server could not find the requested resource');
      return group;
    }
    return undefined;
  }

  private wantsTable(req: IncomingMessage): boolean {
    return /as=Table/.test(req.headers.accept ?? '');
  }

  private getObj(t: Target): Obj {
    const o = this.o.store.get(apiVersionOf(t.kind), t.kind.kind, t.namespace, t.name!);
    if (!o) throw notFound(t.kind, t.name!);
    return o;
  }

  private get(res: ServerResponse, t: Target, req: IncomingMessage, q: URLSearchParams) {
    const o = this.getObj(t);
    if (t.sub === 'log' && t.kind.kind === 'Pod') {
      const text = this.o.onLog?.(o) ?? '';
      const tail = Number(q.get('tailLines') ?? -1);
      const lines = text.split('\n');
      if (lines[lines.length - 1] === '') lines.pop();
      const shown = tail >= 0 ? lines.slice(Math.max(0, lines.length - tail)) : lines;
      return send(res, 200, shown.length ? `${shown.join('\n')}\n` : '', 'text/plain');
    }
    if (t.sub && t.sub !== 'status') throw new HttpError(404, 'NotFound', 'the server could not find the requested resource');
    if (this.wantsTable(req)) return send(res, 200, toTable(t.kind.kind, [o], this.o.store.resourceVersion));
    return send(res, 200, o);
  }

  private matching(t: Target, q: URLSearchParams): (o: Obj) => boolean {
    const ls = labelSelector(q.get('labelSelector'));
    const fs = fieldSelector(q.get('fieldSelector'));
    return (o) =>
      o.apiVersion === apiVersionOf(t.kind) && o.kind === t.kind.kind && (!t.namespace || o.metadata.namespace === t.namespace) && ls(o) && fs(o);
  }

  private list(req: IncomingMessage, res: ServerResponse, t: Target, q: URLSearchParams) {
    const items = this.o.store.list(apiVersionOf(t.kind), t.kind.kind, t.namespace).filter(this.matching(t, q));
    if (this.wantsTable(req)) return send(res, 200, toTable(t.kind.kind, items, this.o.store.resourceVersion));
    return send(res, 200, { apiVersion: apiVersionOf(t.kind), kind: `${t.kind.kind}List`, metadata: { resourceVersion: this.o.store.resourceVersion }, items });
  }

  private watch(req: IncomingMessage, res: ServerResponse, t: Target, q: URLSearchParams) {
    const match = t.name ? (o: Obj) => this.matching(t, q)(o) && o.metadata.name === t.name : this.matching(t, q);
    res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
    res.flushHeaders();
    const write = (ev: WatchEvent) => res.write(`${JSON.stringify(ev)}\n`);
    const since = Number(q.get('resourceVersion') || 0);
    for (const o of this.o.store.list(apiVersionOf(t.kind), t.kind.kind, t.namespace).filter(match)) {
      if (!since) write({ type: 'ADDED', object: o });
      else if (Number(o.metadata.resourceVersion) > since) write({ type: 'MODIFIED', object: o });
    }
    const listener = (ev: WatchEvent) => {
      if (match(ev.object)) write(ev);
    };
    this.o.store.events.on('event', listener);
    const timeout = Number(q.get('timeoutSeconds') || 1800);
    const timer = setTimeout(() => res.end(), timeout * 1000);
    const stop = () => {
      clearTimeout(timer);
      this.o.store.events.off('event', listener);
    };
    req.on('close', stop);
    res.on('close', stop);
  }

  private parseBody(body: string): Obj {
    try {
      const o = parseYaml(body) as Obj;
      if (!o || typeof o !== 'object') throw new Error('not an object');
      return o;
    } catch (e) {
      throw new HttpError(400, 'BadRequest', `the body of the request was in an unknown format: ${(e as Error).message}`);
    }
  }

  private checkIdentity(t: Target, o: Obj, name?: string) {
    if (o.apiVersion !== apiVersionOf(t.kind) || o.kind !== t.kind.kind)
      throw new HttpError(400, 'BadRequest', `the API version in the data (${o.apiVersion}) does not match the expected API version (${apiVersionOf(t.kind)}) or kind ${o.kind} != ${t.kind.kind}`);
    o.metadata ??= {};
    if (name && o.metadata.name && o.metadata.name !== name)
      throw new HttpError(400, 'BadRequest', `the name of the object (${o.metadata.name}) does not match the name on the URL (${name})`);
    if (name) o.metadata.name = name;
    if (t.kind.namespaced) {
      if (o.metadata.namespace && t.namespace && o.metadata.namespace !== t.namespace)
        throw new HttpError(400, 'BadRequest', 'the namespace of the provided object does not match the namespace sent on the request');
      o.metadata.namespace = t.namespace;
      if (!this.o.store.get('v1', 'Namespace', undefined, t.namespace!))
        throw new HttpError(404, 'NotFound', `namespaces "${t.namespace}" not found`, { name: t.namespace, kind: 'namespaces' });
    } else delete o.metadata.namespace;
  }

  /** The warnings of the write being answered, one header each (commit is synchronous, per request). */
  private lastWarnings: string[] = [];

  /** Defaults, validates, bumps generation, detects no-ops, and stores unless dry-run. */
  private commit(t: Target, live: Obj | undefined, next: Obj, dryRun: boolean): Obj {
    // Mutating admission, validation, validating admission: the API server's order.
    if (t.kind.kind === 'PersistentVolumeClaim' && !live) this.admitDefaultStorageClass(next);
    try {
      defaultAndValidate(next, live, this.defaults);
    } catch (e) {
      if (e instanceof InvalidError)
        // apierrors.NewInvalid: `<Kind>.<group> "<name>" is invalid: <field errors>`, 422, the causes.
        throw new HttpError(422, 'Invalid', `${t.kind.kind}${t.kind.group ? `.${t.kind.group}` : ''} "${next.metadata?.name}" is invalid: ${e.message}`, {
          name: next.metadata?.name,
          group: t.kind.group || undefined,
          kind: t.kind.kind,
          causes: e.causes,
        });
      throw e;
    }
    // PodSecurity admission (validating, after validation): warn mode for a workload's pod template
    const podSecurity = t.kind.kind === 'Deployment' ? podSecurityWarning(this.o.store.get('v1', 'Namespace', undefined, next.metadata.namespace), next.spec?.template?.spec ?? {}) : undefined;
    if (t.kind.kind === 'PersistentVolumeClaim' && live) {
      const refusal = resizeRefusal(next, live, this.o.store.list('storage.k8s.io/v1', 'StorageClass'));
      // plugin/pkg/admission/storage/persistentvolume/resize: admission.NewForbidden, 403.
      if (refusal) throw new HttpError(403, 'Forbidden', `${resourceName(t.kind)} "${next.metadata.name}" is forbidden: ${refusal}`, { name: next.metadata.name, kind: t.kind.plural });
    }
    if (live && t.kind.kind !== 'Namespace' && t.kind.kind !== 'Service') next.status = live.status;
    if (t.kind.kind === 'PersistentVolumeClaim' && !live) next.metadata.uid ??= randomUUID();
    if (t.kind.kind === 'PersistentVolumeClaim' || t.kind.kind === 'PersistentVolume') this.bindOnWrite(next, dryRun);
    if (t.kind.kind === 'StorageClass' && !dryRun) queueMicrotask(() => this.bindPending());
    if (t.kind.hasGeneration) {
      const gen = live?.metadata?.generation ?? 0;
      next.metadata.generation = !live ? 1 : deepEqual(specPart(live), specPart(next)) ? gen : gen + 1;
    }
    // the strategy's warnings (BeforeCreate/BeforeUpdate) come before validating admission's
    const strategy = t.kind.kind === 'Deployment' && (!live || next.metadata.generation !== live.metadata.generation) ? podTemplateWarnings(next.spec?.template) : [];
    this.lastWarnings = [...strategy, ...(podSecurity ? [podSecurity] : [])];
    if (live && deepEqual(withoutVolatile(live), withoutVolatile(next))) return live;
    const time = now();
    if (live) {
      const before = new Map((live.metadata.managedFields ?? []).map((e: Obj) => [`${e.manager}|${e.operation}`, JSON.stringify(e.fieldsV1)]));
      for (const e of next.metadata.managedFields ?? []) if (before.get(`${e.manager}|${e.operation}`) !== JSON.stringify(e.fieldsV1)) e.time = time;
    }
    if (dryRun) {
      next.metadata.uid ??= live?.metadata.uid ?? randomUUID();
      next.metadata.creationTimestamp ??= live?.metadata.creationTimestamp ?? time;
      next.metadata.resourceVersion = live?.metadata.resourceVersion;
      return next;
    }
    return this.store(next, live ? 'MODIFIED' : 'ADDED');
  }

  private create(t: Target, body: string, q: URLSearchParams, dryRun: boolean): Obj {
    const o = this.parseBody(body);
    this.checkIdentity(t, o);
    if (!o.metadata.name && o.metadata.generateName) o.metadata.name = `${o.metadata.generateName}${randomUUID().slice(0, 5)}`;
    if (this.o.store.get(apiVersionOf(t.kind), t.kind.kind, t.namespace, o.metadata.name))
      throw new HttpError(409, 'AlreadyExists', `${resourceName(t.kind)} "${o.metadata.name}" already exists`, { name: o.metadata.name, group: t.kind.group || undefined, kind: t.kind.plural });
    delete o.metadata.resourceVersion;
    decodeCheck(o, q);
    const withFields = recordUpdate(undefined, o, q.get('fieldManager') ?? 'kubectl-create', o.apiVersion, now());
    return this.commit(t, undefined, withFields, dryRun);
  }

  private update(t: Target, body: string, q: URLSearchParams, dryRun: boolean): Obj {
    const o = this.parseBody(body);
    this.checkIdentity(t, o, t.name);
    const live = this.getObj(t);
    if (o.metadata.resourceVersion && o.metadata.resourceVersion !== live.metadata.resourceVersion)
      throw new HttpError(409, 'Conflict', `Operation cannot be fulfilled on ${resourceName(t.kind)} "${t.name}": the object has been modified; please apply your changes to the latest version and try again`);
    o.metadata.uid = live.metadata.uid;
    o.metadata.creationTimestamp = live.metadata.creationTimestamp;
    o.metadata.managedFields ??= live.metadata.managedFields;
    if (t.sub === 'status') return this.commitStatus(t, live, o.status, dryRun);
    decodeCheck(o, q);
    return this.commit(t, live, recordUpdate(live, o, q.get('fieldManager') ?? 'kubectl-replace', o.apiVersion, now()), dryRun);
  }

  private commitStatus(t: Target, live: Obj, status: unknown, dryRun: boolean): Obj {
    const next = { ...live, status };
    if (dryRun || deepEqual(live, next)) return next;
    return this.store(next, 'MODIFIED');
  }

  private patch(t: Target, contentType: string, body: string, q: URLSearchParams, dryRun: boolean): { object: Obj; created: boolean } {
    if (!t.name) throw new HttpError(405, 'MethodNotAllowed', 'PATCH needs an object name');
    const type = patchTypeOf(contentType);
    if (!type) throw new HttpError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`);
    const live = this.o.store.get(apiVersionOf(t.kind), t.kind.kind, t.namespace, t.name);
    if (type === 'apply') {
      const manager = q.get('fieldManager');
      if (!manager) throw new HttpError(422, 'Invalid', 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
      const applied = this.parseBody(body);
      this.checkIdentity(t, applied, t.name);
      if (applied.metadata.managedFields !== undefined) throw new HttpError(400, 'BadRequest', 'metadata.managedFields must be nil');
      // structured-merge-diff's typed patch and the Go conversion fail before validation: 500, no reason.
      const refused = applyDecodeError(applied);
      if (refused) throw new HttpError(500, '', refused);
      const { object, conflicts } = serverSideApply(live, applied, manager, q.get('force') === 'true', now());
      if (conflicts.length) {
        const lines = conflicts.map((c) => `conflict with "${c.manager}" using ${applied.apiVersion}: ${c.field}`);
        throw new HttpError(409, 'Conflict', `Apply failed with ${conflicts.length} conflict${conflicts.length > 1 ? 's' : ''}: ${lines.join('\n')}`, {
          causes: conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with "${c.manager}"`, field: c.field })),
        });
      }
      if (live) object.metadata.uid = live.metadata.uid;
      return { object: this.commit(t, live, object, dryRun), created: !live };
    }
    if (!live) throw notFound(t.kind, t.name);
    let patched: Obj;
    let patch: unknown;
    try {
      patch = JSON.parse(body);
      patched = applyPatch(live, type, patch) as Obj;
    } catch (e) {
      if (e instanceof PatchError) throw e;
      throw new HttpError(400, 'BadRequest', `error decoding patch: ${(e as Error).message}`);
    }
    if (t.sub === 'status') return { object: this.commitStatus(t, live, patched.status, dryRun), created: false };
    patched.metadata = { ...patched.metadata, name: live.metadata.name, namespace: live.metadata.namespace, uid: live.metadata.uid };
    // patch.go: the patched object that does not decode (or, under Strict, has undeclared fields) is
    // one field error on `patch`, 422 Invalid with no kind or name.
    const refusal = patchDecodeRefusal(type, patched, patch, q.get('fieldValidation') === 'Strict' ? undeclared : undefined);
    if (refusal) throw new HttpError(422, 'Invalid', ` "" is invalid: patch: ${refusal}`, { causes: [{ reason: 'FieldValueInvalid', message: refusal, field: 'patch' }] });
    const withFields = recordUpdate(live, patched, q.get('fieldManager') ?? 'kubectl-patch', live.apiVersion, now());
    return { object: this.commit(t, live, withFields, dryRun), created: false };
  }

  private delete(t: Target, dryRun: boolean): Obj {
    if (!t.name) throw new HttpError(405, 'MethodNotAllowed', 'deletecollection is not supported by the stand-in');
    const live = this.getObj(t);
    if (dryRun) return live;
    this.remove(live);
    return live;
  }

  private remove(o: Obj) {
    if (o.kind === 'Namespace') {
      for (const x of this.o.store.all()) if (x.metadata.namespace === o.metadata.name) this.remove(x);
    }
    if (o.kind === 'CustomResourceDefinition') {
      for (const x of this.o.store.all()) if (x.apiVersion?.startsWith(`${o.spec?.group}/`) && x.kind === o.spec?.names?.kind) this.remove(x);
    }
    const gone = this.o.store.delete(o);
    if (!gone) return;
    if (o.kind === 'CustomResourceDefinition') this.refreshCustomKinds();
    if (o.kind === 'PersistentVolumeClaim' && o.spec?.volumeName) {
      // only the volume bound to this very claim (its uid in claimRef) is released by its deletion
      const found = this.o.store.get('v1', 'PersistentVolume', undefined, o.spec.volumeName);
      const pv = found?.spec?.claimRef?.uid === o.metadata.uid ? found : undefined;
      if (pv?.spec?.persistentVolumeReclaimPolicy === 'Delete') {
        this.remove(pv);
        if (pv.metadata.annotations?.['pv.kubernetes.io/provisioned-by']?.startsWith('standin'))
          rmSync(pvHostDir(pv, this.o.stateDir), { recursive: true, force: true });
      } else if (pv) this.store({ ...pv, status: { phase: 'Released' } }, 'MODIFIED');
    }
    this.o.onChange?.(gone, 'DELETED');
  }

  /**
   * plugin/pkg/admission/storage/storageclass/setdefault: a new claim that names no class (not even
   * "") gets the default StorageClass, when the cluster has one.
   */
  private admitDefaultStorageClass(pvc: Obj) {
    if (!pvc.spec || pvc.spec.storageClassName !== undefined || pvc.metadata?.annotations?.['volume.beta.kubernetes.io/storage-class'] !== undefined) return;
    const def = defaultClass(this.o.store.list('storage.k8s.io/v1', 'StorageClass'));
    if (def) pvc.spec.storageClassName = def.metadata.name;
  }

  /**
   * The stand-in's volume controller, at once: binds a claim to the PV it names or to a fitting one,
   * or provisions one for a class of the stand-in's provisioner; otherwise the claim stays Pending
   * (the reason goes to the log, where a real controller would post an event). A bound claim that
   * grew gets the new capacity, and its PV too (what the external resizer does).
   */
  private bindOnWrite(o: Obj, dryRun: boolean) {
    if (o.kind === 'PersistentVolume') {
      const claims = this.o.store.list('v1', 'PersistentVolumeClaim');
      // syncBoundClaim (pv_controller.go): a claim bound to this volume whose claimRef no longer
      // carries its uid (a re-apply replaced the atomic claimRef, an edit named another claim) is
      // Lost, a terminal phase ("ClaimMisbound"); with no claimRef at all it is bound again.
      for (const claim of claims) {
        if (claim.status?.phase !== 'Bound' || claim.spec?.volumeName !== o.metadata.name) continue;
        if (!o.spec?.claimRef) o.spec = { ...o.spec, claimRef: claimReference(claim) };
        else if (o.spec.claimRef.uid !== claim.metadata.uid) {
          this.o.log?.(`standin: persistentvolumeclaim ${claim.metadata.namespace}/${claim.metadata.name} Lost: ClaimMisbound: Two claims are bound to the same volume, this one is bound incorrectly`);
          if (!dryRun) queueMicrotask(() => this.store({ ...claim, status: { ...claim.status, phase: 'Lost' } }, 'MODIFIED'));
        }
      }
      o.status = { phase: volumePhase(o, claims) };
      if (!dryRun) queueMicrotask(() => this.bindPending());
      return;
    }
    if (o.status?.phase === 'Lost') return;
    const size = o.spec?.resources?.requests?.storage;
    if (o.status?.phase === 'Bound') {
      if (quantityValue(String(size)) > quantityValue(String(o.status.capacity?.storage))) {
        o.status = { ...o.status, capacity: { storage: size } };
        const pv = this.o.store.get('v1', 'PersistentVolume', undefined, o.spec.volumeName);
        if (pv && !dryRun) this.store({ ...pv, spec: { ...pv.spec, capacity: { ...pv.spec.capacity, storage: size } } }, 'MODIFIED');
      }
      return;
    }
    const classes = this.o.store.list('storage.k8s.io/v1', 'StorageClass');
    const decision = bindingFor(o, this.o.store.list('v1', 'PersistentVolume'), classes);
    let pv: Obj;
    if ('pending' in decision) {
      o.status = { phase: 'Pending' };
      this.o.log?.(`standin: persistentvolumeclaim ${o.metadata.namespace}/${o.metadata.name} Pending: ${decision.pending}`);
      return;
    }
    if ('provision' in decision) {
      pv = provisionPV(o, decision.provision, this.o.stateDir);
      defaultAndValidate(pv, undefined, this.defaults);
      pv.status = { phase: 'Bound' };
      if (!dryRun) this.store(pv, 'ADDED');
    } else pv = decision.pv;
    o.spec.volumeName = pv.metadata.name;
    o.status = { phase: 'Bound', accessModes: pv.spec.accessModes, capacity: { storage: pv.spec.capacity.storage } };
    // ctrl.bind: the claimRef gets the claim's uid (a pre-bound ref has none yet); the volume is
    // marked bound-by-controller only when the controller chose it (no claimRef naming this claim)
    if (!dryRun && pv.spec.claimRef?.uid !== o.metadata.uid) {
      const annotations = boundTo(pv, o) ? pv.metadata.annotations : { ...pv.metadata.annotations, 'pv.kubernetes.io/bound-by-controller': 'yes' };
      const bound = { ...pv, metadata: { ...pv.metadata, ...(annotations ? { annotations } : {}) }, spec: { ...pv.spec, claimRef: claimReference(o) }, status: { phase: 'Bound' } };
      // the PV controller's update is a write of its own (manager kube-controller-manager): the
      // atomic claimRef it completed becomes its field, no longer the applier's
      this.store(recordUpdate(pv, bound, 'kube-controller-manager', 'v1', now()), 'MODIFIED');
    }
  }

  /** Pending claims retried; a claim without a class gets a default class that appeared since (KEP-3333). */
  private bindPending() {
    const def = defaultClass(this.o.store.list('storage.k8s.io/v1', 'StorageClass'));
    for (const pvc of this.o.store.list('v1', 'PersistentVolumeClaim')) {
      // Lost is terminal (syncBoundClaim keeps it so): only Pending claims are retried
      if (pvc.status?.phase === 'Bound' || pvc.status?.phase === 'Lost') continue;
      const next = structuredClone(pvc);
      if (def && next.spec && next.spec.storageClassName === undefined) next.spec.storageClassName = def.metadata.name;
      this.bindOnWrite(next, false);
      if (!deepEqual(next, pvc)) this.store(next, 'MODIFIED');
    }
  }

  /** For status writers (the stand-in kubelet): store without defaulting or ownership tracking. */
  writeStatus(o: Obj): Obj | undefined {
    const live = this.o.store.get(o.apiVersion, o.kind, o.metadata.namespace, o.metadata.name);
    if (!live) return undefined;
    if (deepEqual(live.status, o.status)) return live;
    return this.o.store.put({ ...live, status: o.status });
  }
}

// The registry's Service as the k8s-apply role left it: other roles (dns-hosts) read its address
// from the `registry_k8s` fact (`{ objects: liveObjects[] }`) registered on the first
// control-plane host. This is the one way to get it.
import { PendingFactError } from '../../src/errors.js';
import type { RoleContext } from '../../src/resources/role.js';
import type { K8sObject } from '../../src/resources/types.js';
import { factOf, firstHostOf } from './facts.js';

export const REGISTRY_K8S_FACT = 'registry_k8s';
export const K8S_GROUP = 'control_plane';

/** The host that runs kubectl for the registry (and holds the `registry_k8s` fact). */
export function k8sHost(ctx: Pick<RoleContext, 'groups'>): string {
  return firstHostOf(ctx as RoleContext, K8S_GROUP);
}

export interface RegistryService {
  namespace: string;
  name: string;
  clusterIP: string;
  externalIPs: string[];
}

/** The registry Service: the one with the port named `registry` (a managed Redis has a Service of its own). */
export function registryService(ctx: RoleContext): RegistryService {
  const host = k8sHost(ctx);
  const fact = factOf<{ objects: K8sObject[] | null }>(ctx, host, REGISTRY_K8S_FACT, 'k8s-apply');
  const service = (fact.objects ?? []).find((o) => o?.kind === 'Service' && ((o.spec as { ports?: Array<{ name?: string }> } | undefined)?.ports ?? []).some((p) => p.name === 'registry'));
  const spec = (service?.spec ?? {}) as { clusterIP?: string; externalIPs?: string[] };
  if (!service || !spec.clusterIP || spec.clusterIP === 'None') {
    throw new PendingFactError(`the registry Service has no cluster IP yet (fact ${REGISTRY_K8S_FACT} from ${host})`, 'run the k8s-apply role without --check first, so the Service exists', host);
  }
  return { namespace: String(service.metadata.namespace ?? ''), name: service.metadata.name, clusterIP: spec.clusterIP, externalIPs: spec.externalIPs ?? [] };
}

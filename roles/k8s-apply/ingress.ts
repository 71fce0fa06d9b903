// The Ingress's annotations, which only its controller reads: each controller has its own
// spelling for "TLS at the Ingress, HTTPS to the registry, no limit on a layer's size".
// registry_ingress_annotations (on the Ingress) and registry_ingress_service_annotations (on the
// Service) are merged over the controller's defaults; a null value drops a default.
import type { K8sApplyVars } from './vars.js';

export type IngressController = 'nginx' | 'traefik' | 'other';

export interface IngressAnnotations {
  ingress: Record<string, string>;
  service: Record<string, string>;
}

const defaults: Record<IngressController, IngressAnnotations> = {
  // ingress-nginx: TLS ends at the controller with the registry's certificate (the Ingress's
  // tls Secret) and is re-encrypted to the registry (backend-protocol HTTPS). Passthrough
  // (ssl-passthrough) needs the controller started with --enable-ssl-passthrough: opt in through
  // registry_ingress_annotations.
  nginx: {
    ingress: {
      // image layers are large: no body size limit (the default is 1m)
      'nginx.ingress.kubernetes.io/proxy-body-size': '0',
      'nginx.ingress.kubernetes.io/backend-protocol': 'HTTPS',
    },
    service: {},
  },
  // Traefik's Kubernetes Ingress provider: a TLS router on the websecure entry point; the scheme
  // to the backend is a Service annotation. Traefik verifies the backend's certificate: give it
  // the registry's CA with a ServersTransport (service.serverstransport) or skip verification there.
  traefik: {
    ingress: {
      'traefik.ingress.kubernetes.io/router.entrypoints': 'websecure',
      'traefik.ingress.kubernetes.io/router.tls': 'true',
    },
    service: {
      'traefik.ingress.kubernetes.io/service.serversscheme': 'https',
    },
  },
  other: { ingress: {}, service: {} },
};

/** registry_ingress_controller, or the class name when it is one the role knows. */
export function ingressController(v: Pick<K8sApplyVars, 'registry_ingress_controller' | 'registry_ingress_class'>): IngressController {
  if (v.registry_ingress_controller) return v.registry_ingress_controller;
  return v.registry_ingress_class === 'nginx' || v.registry_ingress_class === 'traefik' ? v.registry_ingress_class : 'other';
}

export function ingressAnnotations(v: Pick<K8sApplyVars, 'registry_ingress' | 'registry_ingress_controller' | 'registry_ingress_class' | 'registry_ingress_annotations' | 'registry_ingress_service_annotations'>): IngressAnnotations {
  if (!v.registry_ingress) return { ingress: {}, service: {} };
  const d = defaults[ingressController(v)];
  return { ingress: merged(d.ingress, v.registry_ingress_annotations), service: merged(d.service, v.registry_ingress_service_annotations) };
}

function merged(base: Record<string, string>, over: Record<string, string | null> | null | undefined): Record<string, string> {
  const out: Record<string, string> = { ...base };
  for (const [k, val] of Object.entries(over ?? {})) {
    if (val === null) delete out[k];
    else out[k] = val;
  }
  return out;
}

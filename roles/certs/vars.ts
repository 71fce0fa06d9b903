// The certs role's variables (documented in defaults.yaml).
import { isIP } from 'node:net';
import { z } from 'zod';
import { absolutePath, dnsName, flag, listOf, registryCore, wholeNumber } from '../_shared/vars.js';

const days = wholeNumber.min(1, 'must be a whole number of days >= 1');

export const certsVars = registryCore
  .extend({
    registry_cert_dir: absolutePath,
    registry_cert_extra_dns: listOf(dnsName),
    registry_cert_extra_ips: listOf(z.string().refine((s) => isIP(s) !== 0, 'must be IPv4 or IPv6 addresses')),
    registry_key_type: z.enum(['rsa4096', 'ecdsa-p256']),
    registry_ca_days: days,
    registry_cert_days: days,
    cert_renew_days: wholeNumber.min(0, 'must be a whole number of days >= 0'),
    certs_force_renew: flag,
  })
  .superRefine((v, ctx) => {
    // A window as long as the lifetime would renew on every run.
    if (v.cert_renew_days >= v.registry_cert_days) {
      ctx.addIssue({ code: 'custom', path: ['cert_renew_days'], message: `must be less than registry_cert_days (${v.registry_cert_days}), or the certificate is renewed on every run` });
    } else if (v.registry_cert_days > v.registry_ca_days) {
      ctx.addIssue({ code: 'custom', path: ['registry_cert_days'], message: `must not exceed registry_ca_days (${v.registry_ca_days})` });
    }
  });

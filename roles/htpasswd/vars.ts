// The htpasswd role's variables (documented in defaults.yaml).
import { z } from 'zod';
import { absolutePath, secret, wholeNumber } from '../_shared/vars.js';

const user = z.object({
  name: z
    .string()
    .min(1, 'must not be empty')
    .regex(/^[^:\s]+$/, 'must not contain ":" or whitespace'),
  password: secret,
});

export const htpasswdVars = z.object({
  registry_auth_dir: absolutePath,
  registry_users: z
    .array(user)
    .min(1, 'must list at least one {name, password} (the registry refuses everyone otherwise)')
    .superRefine((users, ctx) => {
      const seen = new Set<string>();
      users.forEach((u, i) => {
        if (seen.has(u.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `user ${u.name} is listed twice` });
        seen.add(u.name);
      });
    }),
  // bcrypt's valid range is 4-31; above 15 every registry login takes seconds.
  bcrypt_cost: wholeNumber.min(4, 'must be 4-15').max(15, 'must be 4-15'),
});

export type HtpasswdVars = z.infer<typeof htpasswdVars>;

// The pure edit of the htpasswd file. bcrypt is salted, so hashing again would change the file on
// every run: an entry whose stored hash still verifies the desired password is kept byte-for-byte.
import { Secret } from '../../src/secret.js';
import { bcryptCompare, bcryptHash } from './bcrypt.js';

export interface User {
  name: string;
  password: Secret;
}

/** The new file content: kept lines in their place, changed ones replaced, new users appended. */
export async function editHtpasswd(current: string | null, users: User[], cost: number): Promise<Secret> {
  const wanted = new Map(users.map((u) => [u.name, u]));
  const done = new Set<string>();
  const lines: string[] = [];
  for (const line of (current ?? '').split('\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon);
    const user = wanted.get(name);
    if (!user || done.has(name)) continue;
    done.add(name);
    lines.push((await matches(user, line.slice(colon + 1))) ? line : await entry(user, cost));
  }
  for (const user of users) if (!done.has(user.name)) lines.push(await entry(user, cost));
  return new Secret(lines.map((l) => `${l}\n`).join(''), 'htpasswd');
}

async function matches(user: User, hash: string): Promise<boolean> {
  if (!/^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/.test(hash)) return false;
  return bcryptCompare(user.password.reveal(), hash);
}

/** `$2y$`: what htpasswd -B writes; same algorithm as bcryptjs's `$2b$`. */
async function entry(user: User, cost: number): Promise<string> {
  const hash = await bcryptHash(user.password.reveal(), cost);
  return `${user.name}:$2y$${hash.slice(4)}`;
}

// A valid inventory for the built-in site.yaml (hosts on loopback, never contacted by prepare()),
// and prepare() over it in-process: what the bad-input, typo, secret and property tests mutate.
import { join } from 'node:path';
import { prepare, type Prepared } from '../../src/engine/load/prepare.js';
import { repoRoot } from './play.js';
import { tempTree } from './fakes.js';

export const SITE = join(repoRoot, 'playbooks', 'site.yaml');
export const SITE_PASSWORD = 'Pw-site-secret-4711';
export const SITE_ENV: NodeJS.ProcessEnv = { REGPLAY_SITE_PW: SITE_PASSWORD, HOME: '/nonexistent-home' };

export interface SiteProject {
  allVars?: string;
  hostVars?: string;
  files?: Record<string, string>;
}

/** The inventory text; `allVars` / `hostVars` are extra YAML lines (4 / 10 spaces deep). */
export function siteInventory(o: SiteProject = {}): string {
  return `all:
  vars:
    registry_name: registry.lab
    registry_port: 5000
    registry_users:
      - name: ci
        password: !env REGPLAY_SITE_PW
${o.allVars ? o.allVars.replace(/^/gm, '    ') + '\n' : ''}  children:
    control_plane:
      hosts:
        cp1:
          host: 127.0.0.1
          transport: local
${o.hostVars ? o.hostVars.replace(/^/gm, '          ') + '\n' : ''}    workers:
      hosts:
        w1: {host: 127.0.0.1, transport: local}
    build:
      hosts:
        b1: {host: 127.0.0.1, transport: local}
`;
}

export function siteProject(o: SiteProject = {}): string {
  return tempTree({ 'inventory.yaml': siteInventory(o), ...o.files });
}

export function prepareSite(dir: string, o: { extraVars?: string[]; env?: NodeJS.ProcessEnv; playbook?: string } = {}): Promise<Prepared> {
  return prepare({ playbook: o.playbook ?? SITE, inventory: join(dir, 'inventory.yaml'), extraVars: o.extraVars, cwd: dir, env: { ...SITE_ENV, ...o.env } });
}

// ctx.template(name, data): handlebars templates from templates/ at the repository root.
// noEscape: these are config files, not HTML.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import type HandlebarsModule from 'handlebars';
import { repoRoot } from './repo.js';

// Loaded on first use: most plays render no template, and handlebars costs ~40 ms of start-up.
const load = () => createRequire(import.meta.url)('handlebars') as typeof HandlebarsModule;

export type TemplateRenderer = (name: string, data: object) => string;

export function templateRenderer(dir = join(repoRoot(), 'templates')): TemplateRenderer {
  const cache = new Map<string, HandlebarsModule.TemplateDelegate>();
  return (name, data) => {
    let compiled = cache.get(name);
    if (!compiled) {
      const file = [join(dir, name), join(dir, `${name}.hbs`)].find((f) => existsSync(f));
      if (!file) throw new Error(`template ${name} not found in ${dir}`);
      compiled = load().compile(readFileSync(file, 'utf8'), { noEscape: true });
      cache.set(name, compiled);
    }
    return compiled(data);
  };
}

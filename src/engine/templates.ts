// ctx.template(name, data): handlebars templates from templates/ at the repository root.
// noEscape: these are config files, not HTML.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import { repoRoot } from './repo.js';

export type TemplateRenderer = (name: string, data: object) => string;

export function templateRenderer(dir = join(repoRoot(), 'templates')): TemplateRenderer {
  const cache = new Map<string, Handlebars.TemplateDelegate>();
  return (name, data) => {
    let compiled = cache.get(name);
    if (!compiled) {
      const file = [join(dir, name), join(dir, `${name}.hbs`)].find((f) => existsSync(f));
      if (!file) throw new Error(`template ${name} not found in ${dir}`);
      compiled = Handlebars.compile(readFileSync(file, 'utf8'), { noEscape: true });
      cache.set(name, compiled);
    }
    return compiled(data);
  };
}

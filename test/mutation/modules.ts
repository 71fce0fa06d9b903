// The pure modules `npm run mutate` mutates, each with the unit tests that must kill its mutants.
export interface MutationModule {
  name: string;
  file: string;
  tests: string[];
}

export const modules: MutationModule[] = [
  { name: 'pattern', file: 'src/engine/load/pattern.ts', tests: ['test/unit/pattern.test.ts'] },
  { name: 'toml-edit', file: 'roles/containerd-trust/toml-edit.ts', tests: ['test/unit/containerd-toml-edit.test.ts'] },
  { name: 'hosts-file', file: 'roles/dns-hosts/hosts-file.ts', tests: ['test/unit/dns-hosts-file.test.ts'] },
  { name: 'fstab', file: 'roles/fstab-nfs/fstab.ts', tests: ['test/unit/fstab-nfs-file.test.ts'] },
  { name: 'htpasswd', file: 'roles/htpasswd/htpasswd.ts', tests: ['test/unit/htpasswd.test.ts'] },
  { name: 'known-hosts', file: 'src/facts/known-hosts.ts', tests: ['test/unit/transport-parsers.test.ts'] },
  { name: 'diff-k8s', file: 'src/engine/kinds/diff-k8s.ts', tests: ['test/unit/k8s-plan.test.ts', 'test/unit/diff-k8s.test.ts'] },
  { name: 'yaml', file: 'src/engine/load/yaml.ts', tests: ['test/unit/yaml-loader.test.ts', 'test/unit/yaml-bounds.test.ts', 'test/unit/inventory.test.ts', 'test/unit/playbook.test.ts'] },
  { name: 'inventory', file: 'src/engine/load/inventory.ts', tests: ['test/unit/inventory-loader.test.ts', 'test/unit/inventory.test.ts'] },
];

// The bench's lab: 1 control plane, N-2 workers, 1 build host.

export type Layout = Record<string, string[]>;

export function benchLayout(hosts: number): Layout {
  if (!Number.isInteger(hosts) || hosts < 3) throw new Error(`--hosts must be an integer ≥ 3 (1 control plane, ≥ 1 worker, 1 build host), got ${hosts}`);
  const layout: Layout = { cp1: ['control_plane'] };
  for (let i = 1; i <= hosts - 2; i++) layout[`w${i}`] = ['workers'];
  layout.b1 = ['build'];
  return layout;
}

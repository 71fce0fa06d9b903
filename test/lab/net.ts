// The lab's own network: one bridge in the machine's namespace with .1, a veth per host (eth0 inside,
// .10 and up). No forwarding, NAT, routes or firewall changes: only this /24 exists on the bridge.
import { writeFileSync } from 'node:fs';
import { bridgeAddress, bridgeName, nsPrefix } from './paths.js';
import { must, run } from './run.js';
import type { HostState } from './state.js';

export async function createNetwork(subnet: number, hosts: HostState[]): Promise<void> {
  const br = bridgeName(subnet);
  const root = [
    `link add ${br} type bridge`,
    ...hosts.map((h) => `netns add ${h.ns}`),
  ];
  await must('ip', ['-batch', '-'], { stdin: root.join('\n') + '\n' });
  try {
    writeFileSync(`/proc/sys/net/ipv6/conf/${br}/disable_ipv6`, '1');
  } catch {
    // no IPv6 in this kernel: nothing to quiet
  }
  const links = [
    `addr add ${bridgeAddress(subnet)}/24 dev ${br}`,
    `link set ${br} up`,
    ...hosts.flatMap((h) => [
      `link add ${h.veth} type veth peer name ${peer(h)} netns ${h.ns}`,
      `link set ${h.veth} master ${br} up`,
    ]),
  ];
  await must('ip', ['-batch', '-'], { stdin: links.join('\n') + '\n' });
  await Promise.all(
    hosts.map((h) =>
      must('ip', ['-n', h.ns, '-batch', '-'], {
        stdin: [`link set lo up`, `link set ${peer(h)} name eth0`, `addr add ${h.address}/24 dev eth0`, `link set eth0 up`].join('\n') + '\n',
      }),
    ),
  );
}

const peer = (h: HostState): string => h.veth.replace(/^rpv/, 'rpc');

/** Removes what createNetwork made; missing pieces are fine. */
export async function removeNetwork(bridge: string | undefined, namespaces: string[]): Promise<void> {
  await Promise.all(namespaces.map((ns) => run('ip', ['netns', 'del', ns])));
  if (bridge) await run('ip', ['link', 'del', bridge]);
}

export async function labNamespaces(lab: string): Promise<string[]> {
  const out = (await run('ip', ['netns', 'list'])).stdout;
  return out
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((ns) => ns.startsWith(`${nsPrefix}${lab}.`) && !ns.slice(`${nsPrefix}${lab}.`.length).includes('.'));
}

/** Every lab namespace of this checkout's RP_LAB_TAG (untagged: every lab namespace on the machine). */
export async function allLabNamespaces(): Promise<string[]> {
  const out = (await run('ip', ['netns', 'list'])).stdout;
  return out
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((ns) => ns.startsWith(nsPrefix) && /^rp-[^.]+\.[^.]+$/.test(ns));
}

// The lab itself: hosts that are really separate, real sshd and containerd, and a clean teardown.
import test from 'ava';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { labSupport, labUp, labDown, type Lab } from '../lab/index.js';
import { unavailable } from '../helpers/lab-test.js';
import { makeTestImage } from '../lab/image.js';
import { run } from '../lab/run.js';
import { nsName } from '../lab/paths.js';
import { runPlay } from '../helpers/play.js';
import { loadInventory } from '../../src/engine/load/inventory.js';

const support = labSupport();
const titles = [
  'every lab host has its own hostname and address',
  'an /etc/hosts edit on w1 stays on w1: not on w2, not on the machine',
  'root logs in over ssh with the lab key, checked against the lab known_hosts',
  'the login shell starts from an empty /root, not the machine\'s start-up files',
  'the runner\'s inventory loader reads the lab inventory: groups, addresses, key, known_hosts',
  'containerd answers on the control plane and workers, not on the build host',
  'service containerd restart restarts it and is recorded in /var/log/service-restarts.log',
  'a stopped sshd refuses connections until startSsh',
  'containerd on w1 pulls and unpacks an image pushed to a registry on b1',
  'down removes namespaces, bridge, processes (init pids, anything in its netns or cwd/root in its dir), mounts and state, and is idempotent',
  'labUp replaces a lab of the same name left over by a crashed run',
  'with w2\'s sshd stopped the other hosts converge, w2 is unreachable and the exit code is 4; with it back, w2 converges',
];

if (!support.ok) {
  for (const t of titles) unavailable(t, support.reason);
} else {
  register();
}

function register(): void {
  let lab: Lab;
  const machineHosts = readFileSync('/etc/hosts', 'utf8');

  test.before(async () => {
    // Per process (also below): other runs of this file at the same time keep their own labs.
    lab = await labUp({ name: `labtest-${process.pid}` });
  });
  test.after.always(async () => {
    await lab?.down();
  });

  test(titles[0]!, async (t) => {
    const seen = new Set<string>();
    for (const [name, h] of Object.entries(lab.hosts)) {
      t.is((await lab.sh(name, 'hostname')).trim(), name);
      t.regex(await lab.sh(name, 'ip -4 -o addr show dev eth0'), new RegExp(`inet ${h.address.replaceAll('.', '\\.')}/24`));
      seen.add(h.address);
    }
    t.deepEqual(Object.keys(lab.hosts), ['cp1', 'w1', 'w2', 'b1']);
    t.is(seen.size, 4);
  });

  test(titles[1]!, async (t) => {
    await lab.sh('w1', 'echo "10.213.0.99 only-on-w1" >> /etc/hosts');
    t.regex((await lab.readFile('w1', '/etc/hosts'))!, /only-on-w1/);
    t.notRegex((await lab.readFile('w2', '/etc/hosts'))!, /only-on-w1/);
    t.is(readFileSync('/etc/hosts', 'utf8'), machineHosts);
  });

  test(titles[2]!, async (t) => {
    const r = await run('ssh', [...lab.sshOptions(), `root@${lab.hosts.w2!.address}`, 'hostname; id -u']);
    t.is(r.code, 0, r.stderr);
    t.is(r.stdout, 'w2\n0\n');
    const stranger = mkdtempSync(join(tmpdir(), 'lab-kh-'));
    try {
      const unknown = await run('ssh', ['-i', lab.keyPath, '-o', `UserKnownHostsFile=${join(stranger, 'none')}`, '-o', 'StrictHostKeyChecking=yes',
        '-o', 'BatchMode=yes', '-F', '/dev/null', `root@${lab.hosts.w2!.address}`, 'true']);
      t.not(unknown.code, 0, 'a client without the lab known_hosts must not get in silently');
    } finally {
      rmSync(stranger, { recursive: true, force: true });
    }
  });

  test(titles[3]!, async (t) => {
    const r = await lab.ssh('cp1', 'ls -A ~; echo "HOME=$HOME"');
    t.is(r.code, 0, r.stderr);
    t.is(r.stdout, '.ssh\nHOME=/root\n');
  });

  test(titles[4]!, (t) => {
    const inv = loadInventory(lab.inventoryPath);
    t.deepEqual([...inv.hosts.keys()], ['cp1', 'w1', 'w2', 'b1']);
    t.deepEqual(inv.groups.get('workers')?.hosts, ['w1', 'w2']);
    const doc = readFileSync(lab.inventoryPath, 'utf8');
    t.true(doc.includes(`host: ${lab.hosts.b1!.address}`));
    t.true(doc.includes(`ssh_key: ${lab.keyPath}`));
    t.true(doc.includes(`known_hosts: ${lab.knownHostsPath}`));
    t.true(existsSync(lab.keyPath));
  });

  // serial: the restart test below stops containerd on w2 for a moment
  test.serial(titles[5]!, async (t) => {
    for (const h of ['cp1', 'w1', 'w2']) {
      const r = await lab.exec(h, 'ctr version');
      t.is(r.code, 0, `${h}: ${r.stderr}`);
      t.regex(r.stdout, /Server:/);
    }
    const b1 = await lab.exec('b1', 'service containerd status');
    t.is(b1.code, 3);
  });

  test.serial(titles[6]!, async (t) => {
    const before = (await lab.sh('w2', 'cat /run/containerd.pid')).trim();
    t.regex(before, /^\d+$/);
    t.false((await lab.serviceLog('w2')).some((l) => l.endsWith(' containerd restart')));
    await lab.sh('w2', 'service containerd restart');
    const after = (await lab.sh('w2', 'cat /run/containerd.pid')).trim();
    t.regex(after, /^\d+$/);
    t.not(after, before);
    t.is((await lab.exec('w2', 'ctr version')).code, 0);
    t.is((await lab.serviceLog('w2')).filter((l) => l.endsWith(' containerd restart')).length, 1);
    t.false((await lab.serviceLog('w1')).some((l) => l.endsWith(' containerd restart')));
  });

  test(titles[7]!, async (t) => {
    await lab.stopSsh('b1');
    const refused = await lab.ssh('b1', 'true');
    t.is(refused.code, 255);
    t.regex(refused.stderr, /refused/i);
    await lab.startSsh('b1');
    const back = await lab.ssh('b1', 'hostname');
    t.is(back.code, 0, back.stderr);
    t.is(back.stdout, 'b1\n');
  });

  test(titles[8]!, async (t) => {
    const missing = ['docker-registry', 'skopeo'].filter((p) => spawnSync('sh', ['-c', `command -v ${p}`]).status !== 0);
    if (missing.length) return t.fail(`missing ${missing.join(', ')} (apt-get install docker-registry skopeo)`);
    const b1 = lab.hosts.b1!.address;
    await lab.writeFile('b1', '/etc/docker/registry/config.yml',
      `version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: /var/lib/registry\nhttp:\n  addr: ${b1}:5000\n`);
    await lab.sh('b1', 'setsid docker-registry serve /etc/docker/registry/config.yml </dev/null >/var/log/registry.log 2>&1 &');
    await lab.sh('b1', `for i in $(seq 100); do bash -c 'exec 3<>/dev/tcp/${b1}/5000' 2>/dev/null && exit 0; sleep 0.05; done; exit 1`);
    const image = makeTestImage(join(lab.dir, 'image'));
    await lab.sh('b1', `skopeo copy --dest-tls-verify=false ${image.ref} docker://${b1}:5000/lab/hello:1`);
    await lab.sh('w1', `ctr image pull --plain-http ${b1}:5000/lab/hello:1`);
    const content = await lab.sh('w1', `mkdir -p /tmp/m && ctr image mount ${b1}:5000/lab/hello:1 /tmp/m >/dev/null && cat /tmp/m/hello.txt; ctr image unmount /tmp/m >/dev/null`);
    t.is(content, 'hello from the regplay lab\n');
    t.is((await lab.exec('w2', `ctr image ls -q | grep -c lab/hello`)).stdout.trim(), '0');
  });

  test(titles[9]!, async (t) => {
    const small = await labUp({ name: `labdown-${process.pid}`, hosts: { x1: ['workers'], x2: ['build'] } });
    const pids: number[] = [];
    for (const h of Object.values(small.hosts)) {
      pids.push(...(await run('ip', ['netns', 'pids', h.ns])).stdout.split(/\s+/).filter(Boolean).map(Number));
    }
    t.true(pids.length >= 5, `init + sshd on both hosts and containerd on x1, got ${pids.join(' ')}`);
    const state = JSON.parse(readFileSync(join(small.dir, 'lab.json'), 'utf8')) as { hosts: Record<string, { initPid?: number }> };
    const initPids = Object.values(state.hosts).map((h) => h.initPid!);
    t.is(initPids.filter((p) => p > 1 && isLiveProcess(p)).length, 2, `host init pids ${initPids.join(' ')}`);
    // the lab's network namespaces by identity (net:[inode]): a process still in one after down is a leftover
    const netnsIds = new Set(initPids.map((p) => readlinkSync(`/proc/${p}/ns/net`)));
    const up = labTraces(small.dir, netnsIds);
    t.true(up.some((l) => l.startsWith('process ')), `the check sees the lab's processes while it is up: ${up.join('; ')}`);
    t.true(up.some((l) => l.startsWith('mounts ')), `the check sees the lab's mounts while it is up: ${up.join('; ')}`);
    await small.down();
    const netns = (await run('ip', ['netns', 'list'])).stdout;
    t.false(netns.includes(nsName(small.name, '')), netns);
    t.false(pids.some((p) => isLiveProcess(p)), `left behind: ${pids.filter(isLiveProcess).join(' ')}`);
    t.deepEqual(initPids.filter(isLiveProcess), [], 'host init processes are gone');
    t.deepEqual(labTraces(small.dir, netnsIds), [], 'no process in its netns or dir, no mount under its dir, in any mount namespace');
    t.false(readFileSync('/proc/self/mountinfo', 'utf8').includes(small.dir));
    t.false(existsSync(small.dir));
    t.is((await run('ip', ['link', 'show', 'dev', `rplab${small.gateway.split('.')[2]}`])).code, 1);
    await t.notThrowsAsync(() => small.down());
  });

  test(titles[10]!, async (t) => {
    const name = `labcrash-${process.pid}`;
    const first = await labUp({ name, hosts: { y1: ['workers'] } });
    const oldPid = (await first.sh('y1', 'cat /run/sshd.pid')).trim();
    const second = await labUp({ name, hosts: { y1: ['workers'], y2: ['workers'] } });
    try {
      t.false(isLiveProcess(Number(oldPid)));
      t.is((await second.ssh('y2', 'hostname')).stdout, 'y2\n');
      const netns = (await run('ip', ['netns', 'list'])).stdout.split('\n').filter((l) => l.startsWith(nsName(name, '')));
      t.is(netns.length, 2);
    } finally {
      await labDown(name);
    }
  });

  test(titles[11]!, async (t) => {
    const small = await labUp({ name: `labunreach-${process.pid}`, hosts: { w1: ['workers'], w2: ['workers'], b1: ['build'] } });
    try {
      const work = join(small.dir, 'play');
      mkdirSync(work, { recursive: true });
      mkdirSync(join(small.dir, 'group_vars'), { recursive: true });
      writeFileSync(join(work, 'hosts.yaml'), '- name: registry name resolution\n  hosts: all\n  roles:\n    - dns-hosts\n');
      writeFileSync(join(small.dir, 'group_vars', 'all.yaml'), 'registry_name: registry.lab\nregistry_port: 5000\nregistry_ip: 10.213.0.50\n');
      const play = async () => {
        const json = join(work, `run-${Date.now()}.json`);
        const r = await runPlay([join(work, 'hosts.yaml'), '-i', small.inventoryPath, '--json', json]);
        const recap = existsSync(json) ? (JSON.parse(readFileSync(json, 'utf8')) as { recap: Record<string, { changed: number; unreachable: number; failed: number }> }).recap : {};
        return { ...r, recap };
      };
      await small.stopSsh('w2');
      const first = await play();
      t.is(first.code, 4, first.stdout + first.stderr);
      t.like(first.recap, { w1: { changed: 1, unreachable: 0, failed: 0 }, w2: { unreachable: 1 }, b1: { changed: 1, unreachable: 0, failed: 0 } });
      for (const h of ['w1', 'b1']) t.regex((await small.readFile(h, '/etc/hosts'))!, /^10\.213\.0\.50\s+registry\.lab$/m);
      t.notRegex((await small.readFile('w2', '/etc/hosts'))!, /registry\.lab/);

      await small.startSsh('w2');
      const second = await play();
      t.is(second.code, 0, second.stdout + second.stderr);
      t.like(second.recap, { w1: { changed: 0 }, w2: { changed: 1, unreachable: 0 }, b1: { changed: 0 } });
      t.regex((await small.readFile('w2', '/etc/hosts'))!, /^10\.213\.0\.50\s+registry\.lab$/m);
    } finally {
      await small.down();
    }
  });
}

/**
 * What a lab left on the machine: live processes in one of its network namespaces or with their
 * cwd/root under its directory, and, per mount namespace (the machine's and every process's),
 * mounts whose mount point, source path or overlay dirs are under that directory.
 */
function labTraces(dir: string, netnsIds: Set<string>): string[] {
  const traces: string[] = [];
  // In mountinfo a bind mount's source is a path inside its filesystem: the lab dir as seen from
  // the root of the filesystem holding it (the same as `dir` when that is the root filesystem).
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter(Boolean).map((l) => l.split(' '));
  const holder = mounts.filter((f) => dir === f[4] || dir.startsWith(f[4] === '/' ? '/' : `${f[4]}/`)).sort((a, b) => b[4]!.length - a[4]!.length)[0];
  const inFs = holder ? `${holder[3] === '/' ? '' : holder[3]}${dir.slice(holder[4] === '/' ? 0 : holder[4]!.length)}` : dir;
  const mentions = (line: string) => [dir, inFs].some((d) => line.includes(`${d}/`) || line.includes(`${d} `) || line.endsWith(d));
  const under = (p: string) => p === dir || p.startsWith(`${dir}/`);
  const seenMountNs = new Set<string>();
  for (const entry of ['self', ...readdirSync('/proc').filter((d) => /^\d+$/.test(d))]) {
    try {
      const pid = entry === 'self' ? process.pid : Number(entry);
      if (entry !== 'self') {
        if (!isLiveProcess(pid)) continue;
        const net = readlinkSync(`/proc/${entry}/ns/net`);
        if (netnsIds.has(net)) traces.push(`process ${pid} in the lab's network namespace ${net}`);
        for (const link of ['cwd', 'root']) {
          const target = readlinkSync(`/proc/${entry}/${link}`);
          if (under(target)) traces.push(`process ${pid} has its ${link} in the lab: ${target}`);
        }
      }
      const mnt = readlinkSync(`/proc/${entry}/ns/mnt`);
      if (seenMountNs.has(mnt)) continue;
      seenMountNs.add(mnt);
      const found = readFileSync(`/proc/${entry}/mountinfo`, 'utf8').split('\n').filter(mentions);
      if (found.length) traces.push(`mounts under the lab in ${mnt} (process ${pid}): ${found.length}, e.g. ${found[0]}`);
    } catch {
      // the process ended meanwhile, or is a kernel thread
    }
  }
  return traces;
}

function isLiveProcess(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

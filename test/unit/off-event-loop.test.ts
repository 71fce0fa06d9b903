// Key generation and bcrypt take the CPU for long stretches (an RSA-4096 key: seconds; a cost-10
// bcrypt: ~80 ms); in a run that is every other host's time too. They run off the event loop, so it
// keeps turning meanwhile: measured here as the longest gap between timer ticks every 5 ms.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { decidePki } from '../../roles/certs/pki.js';
import { editHtpasswd } from '../../roles/htpasswd/htpasswd.js';
import { Secret } from '../../src/secret.js';
import { tempTree } from '../helpers/fakes.js';

/** Runs `work` and returns how long it took and the longest stretch the event loop did not turn. */
async function longestStall(work: () => Promise<unknown>): Promise<{ tookMs: number; stallMs: number }> {
  let last = performance.now();
  let stall = 0;
  const tick = setInterval(() => {
    const now = performance.now();
    stall = Math.max(stall, now - last);
    last = now;
  }, 5);
  const t0 = performance.now();
  await work();
  const tookMs = performance.now() - t0;
  clearInterval(tick);
  return { tookMs, stallMs: Math.max(stall, performance.now() - last) };
}

test.serial('a new RSA-4096 CA and certificate: the event loop keeps turning while the keys are made', async (t) => {
  const spec = { dir: '/registry/certs', registryName: 'registry.local', extraDns: [], ips: [], keyType: 'rsa4096' as const, caDays: 3650, certDays: 365, renewDays: 30, forceRenew: false };
  const empty = { '/registry/certs/ca.crt': null, '/registry/certs/ca.key': null, '/registry/certs/tls.crt': null, '/registry/certs/tls.key': null };
  const { tookMs, stallMs } = await longestStall(() => decidePki(spec, empty, new Date()));
  t.log(`two RSA-4096 keys and certificates: ${tookMs.toFixed(0)} ms, longest stall ${stallMs.toFixed(0)} ms`);
  t.true(stallMs < tookMs / 3, `stalled ${stallMs.toFixed(0)} ms of ${tookMs.toFixed(0)} ms`);
});

test.serial('bcrypt at cost 12 (hash, then check on the next run): the event loop keeps turning', async (t) => {
  const users = [{ name: 'ci', password: new Secret('pw-for-the-stall-test') }];
  let file = '';
  const hashed = await longestStall(async () => (file = (await editHtpasswd(null, users, 12)).reveal()));
  const checked = await longestStall(() => editHtpasswd(file, users, 12));
  t.log(`hash ${hashed.tookMs.toFixed(0)} ms (stall ${hashed.stallMs.toFixed(0)} ms), check ${checked.tookMs.toFixed(0)} ms (stall ${checked.stallMs.toFixed(0)} ms)`);
  for (const r of [hashed, checked]) t.true(r.stallMs < r.tookMs / 3, `stalled ${r.stallMs.toFixed(0)} ms of ${r.tookMs.toFixed(0)} ms`);
});

test.serial('the bcrypt worker started ahead (the htpasswd role\'s warm-up) does not keep the process alive, and serves the first check', async (t) => {
  const bcrypt = new URL('../../roles/htpasswd/bcrypt.ts', import.meta.url).href;
  const dir = tempTree({
    'idle.mjs': `import { startBcrypt } from '${bcrypt}';\nstartBcrypt();\n`,
    'used.mjs': `import { startBcrypt, bcryptHash, bcryptCompare } from '${bcrypt}';\nstartBcrypt();\nconst h = await bcryptHash('pw', 4);\nprocess.stdout.write(String(await bcryptCompare('pw', h)));\n`,
  });
  for (const [script, out] of [['idle.mjs', ''], ['used.mjs', 'true']] as const) {
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(dir, script)], { encoding: 'utf8', timeout: 60_000 });
    t.is(r.status, 0, `${script}: ${r.error?.message ?? ''} ${r.stderr}`);
    t.is(r.stdout, out);
  }
});

import { SshTransport } from '../../src/transports/ssh.js';
const t = new SshTransport({ host: 'w1', address: '10.213.129.11', port: 22, user: 'root', keyPath: '.lab/default/id_ed25519', knownHostsPath: '.lab/default/known_hosts', hostKeyChecking: 'strict', connectTimeoutMs: 5000 });
try { console.log(await t.exec('hostname; id -u; cat /etc/hostname')); } catch (e) { console.log('ERR', (e as Error).message); }
await t.close();

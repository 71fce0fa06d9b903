// npm run lab:up [-- name [--standin]] · lab:down [-- name | --all] · lab:status [-- name] · lab:support
// lab:down without a name removes every lab except those a running test still uses; --all removes those too.
import { labDown, labDownAll, labSupport, labUp } from './index.js';
import { labStatus } from './status.js';

const [command, ...rest] = process.argv.slice(2);
const flags = new Set(rest.filter((a) => a.startsWith('--')));
const name = rest.find((a) => !a.startsWith('--'));

async function main(): Promise<number> {
  switch (command) {
    case 'up': {
      const support = labSupport({ standin: flags.has('--standin') });
      if (!support.ok) {
        process.stderr.write(`lab: cannot run here: ${support.reason}\n`);
        return 1;
      }
      const started = Date.now();
      const lab = await labUp({ name: name ?? 'default', standin: flags.has('--standin'), persist: true });
      process.stdout.write(`lab ${lab.name} is up in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
      process.stdout.write(await labStatus(lab.name));
      process.stdout.write(`ssh: ssh ${lab.sshOptions().join(' ')} root@${Object.values(lab.hosts)[0]!.address}\n`);
      process.stdout.write(`down: npm run lab:down${lab.name === 'default' ? '' : ` -- ${lab.name}`}\n`);
      return 0;
    }
    case 'down': {
      if (name && !flags.has('--all')) {
        await labDown(name);
        process.stdout.write(`lab ${name} is down\n`);
      } else {
        const { down, skipped } = await labDownAll({ force: flags.has('--all') });
        process.stdout.write(down.length ? `down: ${down.join(', ')}\n` : 'no labs to take down\n');
        if (skipped.length) process.stdout.write(`left up (a running test owns them; --all takes them down too): ${skipped.join(', ')}\n`);
      }
      return 0;
    }
    case 'support': {
      // Everything the lab tests need (the stand-in's too); .ci/run tells a skip for want of it from any other.
      const support = labSupport({ standin: true });
      process.stdout.write(support.ok ? '' : `${support.reason}\n`);
      return support.ok ? 0 : 1;
    }
    case 'status':
      process.stdout.write(await labStatus(name));
      return 0;
    default:
      process.stderr.write('usage: cli.ts up [name] [--standin] | down [name|--all] | status [name] | support\n');
      return 3;
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);

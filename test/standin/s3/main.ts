// S3 STAND-IN entry point (tests and lab only; see README.md here):
//   node --import tsx test/standin/s3/main.ts --listen <addr>:<port> --dir <dir> --region <r> --bucket <b>...
// The key pair comes from the environment (S3_STANDIN_ACCESS_KEY, S3_STANDIN_SECRET_KEY), never argv.
import { parseArgs } from 'node:util';
import { startS3Standin } from './server.js';

const { values } = parseArgs({ options: { listen: { type: 'string' }, dir: { type: 'string' }, region: { type: 'string' }, bucket: { type: 'string', multiple: true } } });
const accessKey = process.env.S3_STANDIN_ACCESS_KEY;
const secretKey = process.env.S3_STANDIN_SECRET_KEY;
const m = /^(.+):(\d+)$/.exec(values.listen ?? '');
if (!m || !values.dir || !values.region || !values.bucket?.length || !accessKey || !secretKey) {
  process.stderr.write('usage: S3_STANDIN_ACCESS_KEY=.. S3_STANDIN_SECRET_KEY=.. main.ts --listen addr:port --dir DIR --region R --bucket B...\n');
  process.exit(2);
}
const server = await startS3Standin({ dir: values.dir, region: values.region, buckets: values.bucket, accessKey, secretKey, log: (l) => process.stderr.write(`s3-standin ${l}\n`) }, { host: m[1]!, port: Number(m[2]) });
const a = server.address();
process.stdout.write(`s3-standin ready http://${typeof a === 'object' && a ? `${a.address}:${a.port}` : values.listen}\n`);
for (const s of ['SIGTERM', 'SIGINT'] as const) process.on(s, () => server.close(() => process.exit(0)));

/**
 * The embedded S3 server as a process of its own, so the fault suite can kill it and start it
 * again on the same directory and port: `tsx scripts/faults/s3-server.ts DIR PORT`.
 */
import { startEmbeddedS3 } from '../../pipeline/repositories/storage.js';

const [directory, port] = process.argv.slice(2);
if (!directory || !port) {
  console.error('usage: s3-server.ts DIRECTORY PORT');
  process.exit(2);
}
const s3 = await startEmbeddedS3(directory, Number(port));
console.log(`s3 ready on ${s3.endPoint}:${s3.port}`);
process.once('SIGTERM', () => {
  void s3.close().then(() => process.exit(0));
});

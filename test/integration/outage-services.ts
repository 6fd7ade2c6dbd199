/**
 * PostgreSQL, Redis and S3 servers of a test's own, in temporary directories on free ports, that the
 * test may stop and start again. Never the shared 5432/6379 instances. Debian's binaries.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { type EmbeddedS3, startEmbeddedS3 } from '../../pipeline/repositories/storage.js';

const exec = promisify(execFile);
const PG_BIN = process.env.HAZARDSCOPE_PG_BIN ?? '/usr/lib/postgresql/15/bin';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

interface Restartable {
  url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it for good and removes its files. */
  remove(): Promise<void>;
}

/** PostgreSQL refuses to run as root: as root, its commands run as the postgres account. */
async function asPostgres(command: string, args: string[]): Promise<void> {
  const root = process.getuid?.() === 0;
  await exec(root ? 'runuser' : command, root ? ['-u', 'postgres', '--', command, ...args] : args);
}

export async function privatePostgres(): Promise<Restartable> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'hs-private-pg-'));
  if (process.getuid?.() === 0) {
    const { stdout } = await exec('id', ['-u', 'postgres']);
    const { stdout: gid } = await exec('id', ['-g', 'postgres']);
    await chown(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  const data = path.join(dir, 'data');
  await asPostgres(path.join(PG_BIN, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  const port = await freePort();
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
  const pgCtl = path.join(PG_BIN, 'pg_ctl');
  const start = () => asPostgres(pgCtl, ['-D', data, '-o', options, '-l', path.join(dir, 'log'), '-w', 'start']);
  const stop = () => asPostgres(pgCtl, ['-D', data, '-m', 'fast', '-w', 'stop']);
  await start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start,
    stop,
    async remove() {
      await stop().catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export async function privateRedis(): Promise<Restartable> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'hs-private-redis-'));
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async () => {
    const started = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    child = started;
    await new Promise<void>((resolve, reject) => {
      started.once('exit', (code) => reject(new Error(`redis-server exited with ${code}`)));
      started.stdout.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('Ready to accept connections')) resolve();
      });
    });
  };
  const stop = async () => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGKILL');
    await exited;
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    start,
    stop,
    async remove() {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The embedded S3 server (s3rver) on a fixed port, so a restart comes back at the same address. */
export async function privateS3(): Promise<Restartable & { env: Record<string, string> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'hs-private-s3-'));
  const port = await freePort();
  let server: EmbeddedS3 | undefined = await startEmbeddedS3(dir, port);
  const stop = async () => {
    await server?.close();
    server = undefined;
  };
  return {
    url: `http://127.0.0.1:${port}`,
    env: { S3_ENDPOINT: `http://127.0.0.1:${port}`, S3_ACCESS_KEY: server.accessKey, S3_SECRET_KEY: server.secretKey },
    async start() {
      server = await startEmbeddedS3(dir, port);
    },
    stop,
    async remove() {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

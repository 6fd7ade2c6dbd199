import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { chown, mkdir } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A port free now; whoever binds it next a moment later is almost always us. */
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

/** Polls until `check` is true or `timeoutMs` passes; errors from `check` count as "not yet". */
export async function until(what: string, check: () => Promise<boolean>, timeoutMs: number, everyMs = 250) {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (error) {
      last = error;
    }
    await sleep(everyMs);
  }
  const reason = last instanceof Error ? `: ${last.message}` : '';
  throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${reason}`);
}

interface ServiceOptions {
  name: string;
  command: string;
  args: string[];
  env?: Record<string, string>;
  cwd?: string;
  logFile: string;
  /** Resolves once the freshly started process serves (its output so far is given). */
  ready: (output: () => string) => Promise<boolean>;
  readyTimeoutMs?: number;
  /**
   * Started again when it exits without being told to, as a process manager (systemd, Docker's
   * `restart: always`) would: a crash is counted and reported, not hidden.
   */
  restartOnCrash?: boolean;
}

/** One long-running child process the suite starts, kills and restarts. */
export class Service {
  private child: ChildProcess | undefined;
  private log: WriteStream | undefined;
  private output = '';
  private expectingExit = false;
  private stopped = false;
  /** Exits nobody asked for, with their code or signal. */
  readonly crashes: string[] = [];

  constructor(private readonly options: ServiceOptions) {}

  get name(): string {
    return this.options.name;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  async start(): Promise<void> {
    if (this.child) throw new Error(`${this.name} is already running`);
    this.stopped = false;
    this.expectingExit = false;
    this.output = '';
    this.log ??= createWriteStream(this.options.logFile, { flags: 'a' });
    this.log.write(`\n===== ${new Date().toISOString()} starting ${this.name}\n`);
    const child = spawn(this.options.command, this.options.args, {
      cwd: this.options.cwd,
      env: { ...process.env, ...this.options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const collect = (chunk: Buffer) => {
      this.log?.write(chunk);
      // Only start-up output is searched for the ready line; a bounded tail is plenty.
      if (this.output.length < 200_000) this.output += chunk.toString();
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const exited = new Promise<string>((resolve) =>
      child.once('exit', (code, signal) => resolve(signal ?? `exit code ${code}`)),
    );
    void exited.then((how) => this.onExit(child, how));
    const readyOrExit = await Promise.race([
      until(
        `${this.name} to be ready`,
        () => this.options.ready(() => this.output),
        this.options.readyTimeoutMs ?? 120_000,
      ).then(() => 'ready' as const),
      exited.then((how) => `exited (${how}) while starting` as const),
    ]);
    if (readyOrExit !== 'ready') throw new Error(`${this.name} ${readyOrExit}; see ${this.options.logFile}`);
  }

  /** SIGKILL (a crash) or SIGTERM (an orderly stop); resolves when the process is gone. */
  async kill(signal: 'SIGKILL' | 'SIGTERM' = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.expectingExit = true;
    const gone = new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
    });
    this.log?.write(`\n===== ${new Date().toISOString()} ${signal} to ${this.name}\n`);
    child.kill(signal);
    if (signal === 'SIGTERM') {
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await gone;
      clearTimeout(timer);
    } else await gone;
  }

  /** Stops for good: no restart on exit. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.kill('SIGTERM');
    await new Promise<void>((resolve) => {
      if (!this.log) resolve();
      else this.log.end(() => resolve());
    });
    this.log = undefined;
  }

  private onExit(child: ChildProcess, how: string): void {
    if (this.child !== child) return;
    this.child = undefined;
    if (this.expectingExit || this.stopped) return;
    this.crashes.push(how);
    this.log?.write(`\n===== ${new Date().toISOString()} ${this.name} exited unasked: ${how}\n`);
    if (this.options.restartOnCrash)
      void sleep(1000).then(async () => {
        if (this.stopped || this.child) return;
        await this.start().catch((error: unknown) => this.log?.write(`restart failed: ${String(error)}\n`));
      });
  }
}

const PG_BIN = '/usr/lib/postgresql/15/bin';

/**
 * A private PostgreSQL cluster in a temporary directory on its own port, never the shared one.
 * Run as the postgres user when we are root (PostgreSQL refuses to run as root).
 */
export class PrivatePostgres {
  readonly url: string;
  private readonly dataDir: string;
  private readonly socketDir: string;
  private readonly logFile: string;

  constructor(
    baseDir: string,
    readonly port: number,
  ) {
    this.dataDir = path.join(baseDir, 'data');
    this.socketDir = path.join(baseDir, 'socket');
    this.logFile = path.join(baseDir, 'postgres.log');
    this.url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  }

  private async asPostgres(command: string, args: string[]): Promise<void> {
    const isRoot = process.getuid?.() === 0;
    const [file, argv] = isRoot ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
    await run(file, argv, { timeout: 120_000 });
  }

  async init(): Promise<void> {
    const base = path.dirname(this.dataDir);
    await mkdir(this.dataDir, { recursive: true, mode: 0o700 });
    await mkdir(this.socketDir, { recursive: true });
    if (process.getuid?.() === 0) {
      const { stdout } = await run('id', ['-u', 'postgres']);
      const { stdout: gid } = await run('id', ['-g', 'postgres']);
      const [uid, group] = [Number(stdout.trim()), Number(gid.trim())];
      // The temporary directory is root's; postgres needs to own its cluster and reach it.
      for (const dir of [base, this.dataDir, this.socketDir]) await chown(dir, uid, group);
    }
    await this.asPostgres(path.join(PG_BIN, 'initdb'), [
      '-D',
      this.dataDir,
      '-U',
      'postgres',
      '--auth=trust',
      '--no-sync',
      '-E',
      'UTF8',
    ]);
  }

  async start(): Promise<void> {
    await this.asPostgres(path.join(PG_BIN, 'pg_ctl'), [
      'start',
      '-w',
      '-t',
      '120',
      '-D',
      this.dataDir,
      '-l',
      this.logFile,
      '-o',
      // fsync off: the outages staged here stop the server, never the machine.
      `-p ${this.port} -k ${this.socketDir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`,
    ]);
  }

  /** `immediate` is a crash (no checkpoint, clients cut off); `fast` an orderly stop. */
  async stop(mode: 'immediate' | 'fast' = 'fast'): Promise<void> {
    await this.asPostgres(path.join(PG_BIN, 'pg_ctl'), ['stop', '-w', '-t', '120', '-D', this.dataDir, '-m', mode]);
  }
}

/** A private Redis with AOF on, as production runs it (noeviction, appendonly). */
export function privateRedis(dir: string, port: number, logFile: string): Service {
  return new Service({
    name: 'redis',
    command: 'redis-server',
    args: [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--appendonly',
      'yes',
      '--appendfsync',
      'everysec',
      '--save',
      '',
      '--maxmemory-policy',
      'noeviction',
      '--daemonize',
      'no',
    ],
    logFile,
    ready: async (output) => output().includes('Ready to accept connections'),
  });
}

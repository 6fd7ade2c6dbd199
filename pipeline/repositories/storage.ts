import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import type { Readable } from 'node:stream';
import * as Minio from 'minio';
import { presignSignatureV4 } from 'minio/dist/esm/signing.mjs';
import { markOutage } from '../domain/outages.js';

type Transport = NonNullable<Minio.ClientOptions['transport']>;

interface StoredObject {
  key: string;
  size: number;
  etag: string;
}

interface StorageSettings {
  endPoint: string;
  port: number;
  useSSL: boolean;
  accessKey: string;
  secretKey: string;
  region: string;
  originalsBucket: string;
  derivedBucket: string;
  /** Audit checkpoints: written once, never changed; the bucket may have object lock. */
  auditBucket: string;
  /** Host clients use for presigned URLs, when it differs from the one the services use. */
  publicEndpoint?: { endPoint: string; port: number; useSSL: boolean } | undefined;
  /** How long a request may go without a byte either way before it fails as an outage; 30 s by default. */
  timeoutMs?: number | undefined;
}

/**
 * All S3 access goes through here, with the `minio` client, against MinIO or the embedded server.
 * Originals are written once and never modified; derived files (previews, crops) live apart.
 */
export class ObjectStorage {
  private readonly client: Minio.Client;
  /** Signs URLs for the public host; signing needs no connection (the region is known). */
  private readonly presigner: Minio.Client;

  constructor(readonly settings: StorageSettings) {
    const common = {
      accessKey: settings.accessKey,
      secretKey: settings.secretKey,
      region: settings.region,
      pathStyle: true,
    };
    this.client = new Minio.Client({
      endPoint: settings.endPoint,
      port: settings.port,
      useSSL: settings.useSSL,
      transport: outageAwareTransport(settings.useSSL, settings.timeoutMs ?? 30_000),
      ...common,
    });
    this.presigner = settings.publicEndpoint
      ? new Minio.Client({ ...settings.publicEndpoint, ...common })
      : this.client;
  }

  async ensureBuckets(): Promise<void> {
    const buckets = new Set([this.settings.originalsBucket, this.settings.derivedBucket, this.settings.auditBucket]);
    for (const bucket of buckets) {
      if (!(await this.client.bucketExists(bucket))) {
        try {
          await this.client.makeBucket(bucket, this.settings.region);
        } catch (error) {
          // Another process may have created it between the check and the call.
          if (!(await this.client.bucketExists(bucket))) throw error;
        }
      }
    }
  }

  async statOriginal(key: string): Promise<StoredObject | undefined> {
    try {
      const stat = await this.client.statObject(this.settings.originalsBucket, key);
      return { key, size: stat.size, etag: stat.etag };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** Stores an original unless the key already exists (originals are immutable). */
  async putOriginalOnce(
    key: string,
    body: Buffer,
    contentType: string,
  ): Promise<{ created: boolean; object: StoredObject }> {
    const existing = await this.statOriginal(key);
    if (existing) return { created: false, object: existing };
    const result = await this.client.putObject(this.settings.originalsBucket, key, body, body.length, {
      'Content-Type': contentType,
    });
    return { created: true, object: { key, size: body.length, etag: result.etag } };
  }

  async getOriginal(key: string): Promise<Buffer> {
    return streamToBuffer(await this.client.getObject(this.settings.originalsBucket, key));
  }

  async listOriginals(prefix: string): Promise<StoredObject[]> {
    const objects: StoredObject[] = [];
    const stream = this.client.listObjectsV2(this.settings.originalsBucket, prefix, true);
    for await (const item of stream as AsyncIterable<Minio.BucketItem>) {
      if (item.name) objects.push({ key: item.name, size: item.size, etag: item.etag });
    }
    return objects;
  }

  /**
   * A presigned PUT bound to its content: `x-amz-checksum-sha256` is among the signed headers, so
   * the request must carry it with this value (else the signature fails), and S3 and MinIO refuse a
   * body that hashes otherwise. The minio client signs only the host into presigned URLs, hence its
   * signer is called directly. The embedded server checks the signature but not the checksum:
   * registration hashes what arrived all the same.
   */
  presignedPutOriginal(
    key: string,
    ttlSeconds: number,
    checksumSha256: string,
  ): { url: string; headers: Record<string, string> } {
    const target = this.settings.publicEndpoint ?? this.settings;
    const protocol = target.useSSL ? 'https:' : 'http:';
    const host = target.endPoint.includes(':') ? `[${target.endPoint}]` : target.endPoint;
    const defaultPort = target.useSSL ? 443 : 80;
    const signed = { 'x-amz-checksum-sha256': checksumSha256 };
    const url = presignSignatureV4(
      {
        protocol,
        method: 'PUT',
        path: `/${this.settings.originalsBucket}/${key.split('/').map(encodeRfc3986).join('/')}`,
        headers: { host: target.port === defaultPort ? host : `${host}:${target.port}`, ...signed },
      },
      this.settings.accessKey,
      this.settings.secretKey,
      undefined,
      this.settings.region,
      new Date(),
      ttlSeconds,
    );
    return { url, headers: signed };
  }

  /**
   * What an original's bytes hash to and how many there are, read once as a stream (a photo is never
   * held in memory whole for this); undefined when there is no such object.
   */
  async hashOriginal(key: string): Promise<{ sha256: string; size: number } | undefined> {
    let stream: Readable;
    try {
      stream = await this.client.getObject(this.settings.originalsBucket, key);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
    const hash = createHash('sha256');
    let size = 0;
    for await (const chunk of stream) {
      hash.update(chunk as Buffer);
      size += (chunk as Buffer).length;
    }
    return { sha256: hash.digest('hex'), size };
  }

  /** Only for objects that are not the photo their key names: originals of images are never removed. */
  async deleteRejectedOriginal(key: string): Promise<void> {
    await this.client.removeObject(this.settings.originalsBucket, key);
  }

  presignedGetOriginal(key: string, ttlSeconds: number): Promise<string> {
    return this.presigner.presignedGetObject(this.settings.originalsBucket, key, ttlSeconds);
  }

  async getDerived(key: string): Promise<Buffer | undefined> {
    try {
      return await streamToBuffer(await this.client.getObject(this.settings.derivedBucket, key));
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async putDerived(key: string, body: Buffer, contentType: string): Promise<void> {
    await this.client.putObject(this.settings.derivedBucket, key, body, body.length, { 'Content-Type': contentType });
  }

  /**
   * Stores an audit checkpoint unless its key exists. Keys are derived from what they hold, so a
   * second process writing the same key between the check and the put writes the same checkpoint;
   * under object lock with versioning the first version stays.
   */
  async putAuditOnce(key: string, body: Buffer): Promise<{ created: boolean }> {
    try {
      await this.client.statObject(this.settings.auditBucket, key);
      return { created: false };
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    await this.client.putObject(this.settings.auditBucket, key, body, body.length, {
      'Content-Type': 'application/json',
    });
    return { created: true };
  }

  async listAudit(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    const stream = this.client.listObjectsV2(this.settings.auditBucket, prefix, true);
    for await (const item of stream as AsyncIterable<Minio.BucketItem>) if (item.name) keys.push(item.name);
    return keys.sort();
  }

  async getAudit(key: string): Promise<Buffer> {
    return streamToBuffer(await this.client.getObject(this.settings.auditBucket, key));
  }

  async ping(): Promise<void> {
    await this.client.bucketExists(this.settings.originalsBucket);
  }
}

/**
 * Node's http(s) with an idle timeout, and every connection failure marked as object storage's: a
 * stopped or unreachable S3 answers 503 (not 500) and never holds a request for minutes. Marked at
 * the socket, so failures that surface later, in a response body being read, are marked too.
 */
function outageAwareTransport(useSSL: boolean, timeoutMs: number): Transport {
  const base = useSSL ? https : http;
  const request = (options: http.RequestOptions, callback?: (res: http.IncomingMessage) => void) => {
    const req = base.request({ ...options, timeout: timeoutMs }, (res) => {
      res.on('error', (error) => markOutage('storage', error));
      callback?.(res);
    });
    req.on('error', (error) => markOutage('storage', error));
    req.on('timeout', () => {
      req.destroy(
        Object.assign(new Error(`no answer from object storage within ${timeoutMs} ms`), { code: 'ETIMEDOUT' }),
      );
    });
    return req;
  };
  return { request: request as typeof http.request };
}

/** RFC 3986 percent-encoding of one path segment, as SigV4 canonicalises it. */
function encodeRfc3986(segment: string): string {
  return encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function isNotFound(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return code === 'NotFound' || code === 'NoSuchKey' || code === 'NoSuchBucket';
}

async function streamToBuffer(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export interface EmbeddedS3 {
  endPoint: string;
  port: number;
  accessKey: string;
  secretKey: string;
  close(): Promise<void>;
}

/**
 * An S3-compatible server in this process (s3rver, which checks request signatures), on 127.0.0.1,
 * keeping objects under `directory`. Used when no S3 endpoint is configured: the demo and tests talk
 * to it with the same minio client code as to MinIO.
 */
export async function startEmbeddedS3(directory: string, port: number): Promise<EmbeddedS3> {
  await mkdir(directory, { recursive: true });
  const { default: S3rver } = await import('@20minutes/s3rver');
  const server = new S3rver({
    address: '127.0.0.1',
    port,
    directory: path.resolve(directory),
    silent: true,
    vhostBuckets: false,
  });
  const address = await server.run();
  return {
    endPoint: '127.0.0.1',
    port: address.port,
    // s3rver's built-in account; it is only reachable from this machine.
    accessKey: 'S3RVER',
    secretKey: 'S3RVER',
    close: () => server.close(),
  };
}

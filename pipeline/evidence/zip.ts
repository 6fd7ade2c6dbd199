/**
 * ZIP archives (PKWARE APPNOTE 6.3) as far as evidence bundles need them: files stored or deflated,
 * UTF-8 names, no ZIP64 (a bundle stays under 4 GiB and 65,535 files; larger is refused). The
 * writer yields the archive in pieces, so a bundle of large photos is streamed and never held
 * whole; the reader checks every file's CRC-32 and sizes and says which file is damaged.
 *
 * Why our own writer and not a library such as yazl (checked against yazl 3.3.1):
 * - Same bytes anywhere: the DOS time of each entry is written from the UTC fields here. yazl writes
 *   it from the process's local time zone (deliberately, see its dateToDosDateTime), so one export
 *   made on a UTC host and on an Asia/Shanghai host differs; working round that with a shifted Date
 *   breaks in the hour a daylight-saving change skips.
 * - Streamed and verifiable at once: yazl's addBuffer writes CRC and sizes into the local header but
 *   pushes each buffer into its output stream without backpressure, so bounding memory to one photo
 *   would need its internals; its streaming entries (addReadStream) respect backpressure but always
 *   set bit 3, leaving zeros in the local header and a data descriptor after the data. readZip (and
 *   so verify-evidence) refuses exactly that: a local header that disagrees with the central
 *   directory, and bytes between files that belong to no listed file, which is how it finds a file
 *   hidden in a bundle. The reader has to be our own anyway (yazl only writes), and the writer is
 *   the one thing that guarantees the layout it checks.
 */
import * as zlib from 'node:zlib';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { crc32Js, readZipEntries, type ZipProblem } from '../domain/zip-read.js';

const LOCAL_HEADER = 0x04034b50;
const CENTRAL_HEADER = 0x02014b50;
const END_OF_CENTRAL = 0x06054b50;
const UTF8_NAMES = 1 << 11;
const VERSION = 20;
const MAX_32 = 0xffffffff;

/** zlib's own CRC-32 where Node has it (20.15 and later): an order of magnitude faster on photos. */
const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;

export function crc32(data: Uint8Array): number {
  if (nativeCrc32) return nativeCrc32(data) >>> 0;
  return crc32Js(data);
}

/** MS-DOS date and time (two-second resolution, local fields taken as UTC so a bundle is the same anywhere). */
function dosDateTime(date: Date): { time: number; date: number } {
  const year = Math.max(1980, date.getUTCFullYear());
  return {
    time: (date.getUTCHours() << 11) | (date.getUTCMinutes() << 5) | Math.floor(date.getUTCSeconds() / 2),
    date: ((year - 1980) << 9) | ((date.getUTCMonth() + 1) << 5) | date.getUTCDate(),
  };
}

interface ZipEntryInput {
  name: string;
  data: Buffer;
  /** Deflate text; store what is already compressed (JPEG, PDF). */
  compress: boolean;
}

interface WrittenEntry {
  name: Buffer;
  crc: number;
  compressedSize: number;
  size: number;
  method: number;
  offset: number;
}

/** Writes a ZIP archive one file at a time; `add` and `finish` return the bytes to send next. */
export class ZipWriter {
  private readonly entries: WrittenEntry[] = [];
  private readonly names = new Set<string>();
  private offset = 0;
  private readonly stamp: { time: number; date: number };

  constructor(modified: Date) {
    this.stamp = dosDateTime(modified);
  }

  add(entry: ZipEntryInput): Buffer[] {
    if (this.names.has(entry.name)) throw new Error(`the archive already has ${entry.name}`);
    if (this.entries.length >= 0xffff) throw new Error('an archive without ZIP64 holds at most 65,535 files');
    this.names.add(entry.name);
    const name = Buffer.from(entry.name, 'utf8');
    const deflated = entry.compress ? deflateRawSync(entry.data, { level: 6 }) : undefined;
    // Deflating can make incompressible data larger; then it is stored.
    const useDeflate = deflated !== undefined && deflated.length < entry.data.length;
    const body = useDeflate ? deflated : entry.data;
    const written: WrittenEntry = {
      name,
      crc: crc32(entry.data),
      compressedSize: body.length,
      size: entry.data.length,
      method: useDeflate ? 8 : 0,
      offset: this.offset,
    };
    if (written.size >= MAX_32 || this.offset + 30 + name.length + body.length >= MAX_32)
      throw new Error('the archive would pass 4 GiB, which needs ZIP64');
    const header = Buffer.alloc(30);
    header.writeUInt32LE(LOCAL_HEADER, 0);
    header.writeUInt16LE(VERSION, 4);
    header.writeUInt16LE(UTF8_NAMES, 6);
    header.writeUInt16LE(written.method, 8);
    header.writeUInt16LE(this.stamp.time, 10);
    header.writeUInt16LE(this.stamp.date, 12);
    header.writeUInt32LE(written.crc, 14);
    header.writeUInt32LE(written.compressedSize, 18);
    header.writeUInt32LE(written.size, 22);
    header.writeUInt16LE(name.length, 26);
    header.writeUInt16LE(0, 28);
    this.entries.push(written);
    this.offset += header.length + name.length + body.length;
    return [header, name, body];
  }

  finish(): Buffer[] {
    const parts: Buffer[] = [];
    let size = 0;
    for (const e of this.entries) {
      const header = Buffer.alloc(46);
      header.writeUInt32LE(CENTRAL_HEADER, 0);
      header.writeUInt16LE(VERSION, 4);
      header.writeUInt16LE(VERSION, 6);
      header.writeUInt16LE(UTF8_NAMES, 8);
      header.writeUInt16LE(e.method, 10);
      header.writeUInt16LE(this.stamp.time, 12);
      header.writeUInt16LE(this.stamp.date, 14);
      header.writeUInt32LE(e.crc, 16);
      header.writeUInt32LE(e.compressedSize, 20);
      header.writeUInt32LE(e.size, 24);
      header.writeUInt16LE(e.name.length, 28);
      header.writeUInt32LE(e.offset, 42);
      parts.push(header, e.name);
      size += header.length + e.name.length;
    }
    const end = Buffer.alloc(22);
    end.writeUInt32LE(END_OF_CENTRAL, 0);
    end.writeUInt16LE(this.entries.length, 8);
    end.writeUInt16LE(this.entries.length, 10);
    end.writeUInt32LE(size, 12);
    end.writeUInt32LE(this.offset, 16);
    parts.push(end);
    return parts;
  }
}

export interface ZipFile {
  name: string;
  data: Buffer;
}

interface ZipReadResult {
  files: ZipFile[];
  /** Each damaged file (or the archive itself, as "(archive)") with what is wrong. */
  problems: ZipProblem[];
}

/**
 * Reads every file of an archive, checking its local header against the central directory, its
 * sizes, and its CRC-32 (the rules are in pipeline/domain/zip-read.ts, shared with the offline
 * verifier page). A damaged file is reported by name and left out of `files`.
 */
export function readZip(archive: Buffer): ZipReadResult {
  const { files, problems } = readZipEntries(archive, { inflateRaw: inflateRawSync, crc32 });
  return {
    files: files.map((f) => ({ name: f.name, data: Buffer.from(f.data.buffer, f.data.byteOffset, f.data.byteLength) })),
    problems,
  };
}

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

const LOCAL_HEADER = 0x04034b50;
const CENTRAL_HEADER = 0x02014b50;
const END_OF_CENTRAL = 0x06054b50;
const UTF8_NAMES = 1 << 11;
const VERSION = 20;
const MAX_32 = 0xffffffff;

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** zlib's own CRC-32 where Node has it (20.15 and later): an order of magnitude faster on photos. */
const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;

export function crc32(data: Uint8Array): number {
  if (nativeCrc32) return nativeCrc32(data) >>> 0;
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
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
  problems: Array<{ file: string; problem: string }>;
}

/**
 * Reads every file of an archive, checking its local header against the central directory, its
 * sizes, and its CRC-32. A damaged file is reported by name and left out of `files`.
 */
export function readZip(archive: Buffer): ZipReadResult {
  const problems: ZipReadResult['problems'] = [];
  const endAt = findEndOfCentral(archive);
  if (endAt < 0)
    return {
      files: [],
      problems: [{ file: '(archive)', problem: 'not a ZIP archive: its end-of-central-directory record is missing' }],
    };
  const count = archive.readUInt16LE(endAt + 10);
  const centralSize = archive.readUInt32LE(endAt + 12);
  const centralOffset = archive.readUInt32LE(endAt + 16);
  if (centralOffset + centralSize > endAt)
    return { files: [], problems: [{ file: '(archive)', problem: 'its central directory lies outside the archive' }] };
  const files: ZipFile[] = [];
  const seen = new Set<string>();
  // Where each file's record lies: together they must fill the archive up to the central directory.
  const spans: Array<[number, number]> = [];
  if (archive.readUInt16LE(endAt + 20) !== 0)
    problems.push({ file: '(archive)', problem: 'it carries an archive comment, which evidence bundles never do' });
  let at = centralOffset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > endAt || archive.readUInt32LE(at) !== CENTRAL_HEADER) {
      problems.push({ file: '(archive)', problem: `central directory entry ${i + 1} of ${count} is damaged` });
      break;
    }
    const method = archive.readUInt16LE(at + 10);
    const crc = archive.readUInt32LE(at + 16);
    const compressedSize = archive.readUInt32LE(at + 20);
    const size = archive.readUInt32LE(at + 24);
    const nameLength = archive.readUInt16LE(at + 28);
    const extraLength = archive.readUInt16LE(at + 30);
    const commentLength = archive.readUInt16LE(at + 32);
    const offset = archive.readUInt32LE(at + 42);
    const name = archive.subarray(at + 46, at + 46 + nameLength).toString('utf8');
    at += 46 + nameLength + extraLength + commentLength;
    if (seen.has(name)) {
      problems.push({ file: name, problem: 'the archive holds two files of this name' });
      continue;
    }
    seen.add(name);
    const problem = (() => {
      if (offset + 30 > archive.length || archive.readUInt32LE(offset) !== LOCAL_HEADER)
        return 'its local header is damaged';
      const localName = archive.subarray(offset + 30, offset + 30 + archive.readUInt16LE(offset + 26)).toString('utf8');
      if (localName !== name) return `its local header names it "${localName}"`;
      if (
        archive.readUInt32LE(offset + 14) !== crc ||
        archive.readUInt32LE(offset + 18) !== compressedSize ||
        archive.readUInt32LE(offset + 22) !== size ||
        archive.readUInt16LE(offset + 8) !== method
      ) {
        return 'its local header disagrees with the central directory';
      }
      const start = offset + 30 + archive.readUInt16LE(offset + 26) + archive.readUInt16LE(offset + 28);
      if (start + compressedSize > centralOffset) return 'its data runs past the end of the files';
      spans.push([offset, start + compressedSize]);
      const stored = archive.subarray(start, start + compressedSize);
      let data: Buffer;
      if (method === 0) data = Buffer.from(stored);
      else if (method === 8) {
        try {
          data = inflateRawSync(stored);
        } catch (error) {
          return `its compressed data is damaged (${(error as Error).message})`;
        }
      } else return `it uses compression method ${method}, which evidence bundles do not`;
      if (data.length !== size) return `it holds ${data.length} bytes where the archive records ${size}`;
      if (crc32(data) !== crc) return 'its content does not match its CRC-32 (the bytes were changed)';
      files.push({ name, data });
      return undefined;
    })();
    if (problem) problems.push({ file: name, problem });
  }
  // Bytes between, before or after the listed files are invisible to a reader of the central
  // directory but not to every unpacker: an archive with room for a hidden file is refused.
  spans.sort((a, b) => a[0] - b[0]);
  let end = 0;
  for (const [from, to] of spans) {
    if (from !== end) {
      problems.push({
        file: '(archive)',
        problem: `bytes ${end}–${from} belong to no listed file (something may be hidden in the archive)`,
      });
      break;
    }
    end = to;
  }
  if (spans.length === count && end !== centralOffset && !problems.some((p) => p.file === '(archive)'))
    problems.push({
      file: '(archive)',
      problem: `bytes ${end}–${centralOffset} belong to no listed file (something may be hidden in the archive)`,
    });
  return { files, problems };
}

function findEndOfCentral(archive: Buffer): number {
  for (let at = archive.length - 22; at >= Math.max(0, archive.length - 22 - 0xffff); at--) {
    if (archive.readUInt32LE(at) === END_OF_CENTRAL && at + 22 + archive.readUInt16LE(at + 20) === archive.length)
      return at;
  }
  return -1;
}

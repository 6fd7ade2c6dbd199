/**
 * Reading an evidence bundle's ZIP archive (PKWARE APPNOTE 6.3: stored or deflated files, UTF-8
 * names, no ZIP64), checking every file's local header against the central directory, its sizes
 * and its CRC-32, and that no bytes lie between files. Pure: inflating comes in as a function.
 *
 * It lives in the domain, not beside the writer in pipeline/evidence/zip.ts, because two programs
 * must read bundles alike: `hazardscope verify-evidence` (zlib) and the offline verifier page that
 * runs in a browser (web/verify, fflate). A check one of them skipped would be a hole in the other.
 */

const LOCAL_HEADER = 0x04034b50;
const CENTRAL_HEADER = 0x02014b50;
const END_OF_CENTRAL = 0x06054b50;

export interface ZipEntry {
  name: string;
  data: Uint8Array;
}

export interface ZipProblem {
  /** The damaged file, or "(archive)" for the archive itself. */
  file: string;
  /** `archive`: the container is broken or hides something; `damaged`: this file cannot be read whole. */
  code: 'archive' | 'damaged';
  problem: string;
}

interface ZipCodec {
  /** Raw DEFLATE (RFC 1951) decompression; throws on damaged data. */
  inflateRaw(data: Uint8Array): Uint8Array;
  crc32(data: Uint8Array): number;
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (ISO 3309, as ZIP uses it) in plain JavaScript, for where zlib's is not at hand. */
export function crc32Js(data: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const utf8 = new TextDecoder('utf-8');

/**
 * Reads every file of an archive. A damaged file is reported by name and left out of `files`.
 * Archives whose files do not fill the space before the central directory are refused: bytes
 * there are invisible to a reader of the central directory but not to every unpacker.
 */
export function readZipEntries(archive: Uint8Array, codec: ZipCodec): { files: ZipEntry[]; problems: ZipProblem[] } {
  const view = new DataView(archive.buffer, archive.byteOffset, archive.byteLength);
  const u16 = (at: number) => view.getUint16(at, true);
  const u32 = (at: number) => view.getUint32(at, true);
  const text = (from: number, length: number) => utf8.decode(archive.subarray(from, from + length));
  const problems: ZipProblem[] = [];
  const broken = (problem: string): ZipProblem => ({ file: '(archive)', code: 'archive', problem });

  const endAt = findEndOfCentral(archive, u16, u32);
  if (endAt < 0)
    return { files: [], problems: [broken('not a ZIP archive: its end-of-central-directory record is missing')] };
  const count = u16(endAt + 10);
  const centralSize = u32(endAt + 12);
  const centralOffset = u32(endAt + 16);
  if (centralOffset + centralSize > endAt)
    return { files: [], problems: [broken('its central directory lies outside the archive')] };
  const files: ZipEntry[] = [];
  const seen = new Set<string>();
  // Where each file's record lies: together they must fill the archive up to the central directory.
  const spans: Array<[number, number]> = [];
  if (u16(endAt + 20) !== 0) problems.push(broken('it carries an archive comment, which evidence bundles never do'));
  let at = centralOffset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > endAt || u32(at) !== CENTRAL_HEADER) {
      problems.push(broken(`central directory entry ${i + 1} of ${count} is damaged`));
      break;
    }
    const method = u16(at + 10);
    const crc = u32(at + 16);
    const compressedSize = u32(at + 20);
    const size = u32(at + 24);
    const nameLength = u16(at + 28);
    const extraLength = u16(at + 30);
    const commentLength = u16(at + 32);
    const offset = u32(at + 42);
    const name = text(at + 46, nameLength);
    at += 46 + nameLength + extraLength + commentLength;
    if (seen.has(name)) {
      problems.push({ file: name, code: 'damaged', problem: 'the archive holds two files of this name' });
      continue;
    }
    seen.add(name);
    const problem = ((): string | undefined => {
      if (offset + 30 > archive.length || u32(offset) !== LOCAL_HEADER) return 'its local header is damaged';
      const localName = text(offset + 30, u16(offset + 26));
      if (localName !== name) return `its local header names it "${localName}"`;
      if (
        u32(offset + 14) !== crc ||
        u32(offset + 18) !== compressedSize ||
        u32(offset + 22) !== size ||
        u16(offset + 8) !== method
      ) {
        return 'its local header disagrees with the central directory';
      }
      const start = offset + 30 + u16(offset + 26) + u16(offset + 28);
      if (start + compressedSize > centralOffset) return 'its data runs past the end of the files';
      spans.push([offset, start + compressedSize]);
      const stored = archive.subarray(start, start + compressedSize);
      let data: Uint8Array;
      if (method === 0) data = stored.slice();
      else if (method === 8) {
        try {
          data = codec.inflateRaw(stored);
        } catch (error) {
          return `its compressed data is damaged (${(error as Error).message})`;
        }
      } else return `it uses compression method ${method}, which evidence bundles do not`;
      if (data.length !== size) return `it holds ${data.length} bytes where the archive records ${size}`;
      if (codec.crc32(data) !== crc) return 'its content does not match its CRC-32 (the bytes were changed)';
      files.push({ name, data });
      return undefined;
    })();
    if (problem) problems.push({ file: name, code: 'damaged', problem });
  }
  spans.sort((a, b) => a[0] - b[0]);
  let end = 0;
  for (const [from, to] of spans) {
    if (from !== end) {
      problems.push(broken(`bytes ${end}–${from} belong to no listed file (something may be hidden in the archive)`));
      break;
    }
    end = to;
  }
  if (spans.length === count && end !== centralOffset && !problems.some((p) => p.file === '(archive)'))
    problems.push(
      broken(`bytes ${end}–${centralOffset} belong to no listed file (something may be hidden in the archive)`),
    );
  return { files, problems };
}

function findEndOfCentral(archive: Uint8Array, u16: (at: number) => number, u32: (at: number) => number): number {
  for (let at = archive.length - 22; at >= Math.max(0, archive.length - 22 - 0xffff); at--) {
    if (u32(at) === END_OF_CENTRAL && at + 22 + u16(at + 20) === archive.length) return at;
  }
  return -1;
}

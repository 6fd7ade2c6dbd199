import { describe, expect, it } from 'vitest';
import { crc32, readZip, ZipWriter } from './zip.js';

function archive(files: Array<{ name: string; data: Buffer; compress: boolean }>): Buffer {
  const writer = new ZipWriter(new Date('2026-12-01T08:30:10Z'));
  const parts = files.flatMap((f) => writer.add(f));
  return Buffer.concat([...parts, ...writer.finish()]);
}

describe('zip archives', () => {
  const files = [
    { name: 'manifest.json', data: Buffer.from(JSON.stringify({ a: 1, b: 'x'.repeat(500) })), compress: true },
    {
      name: 'photos/照片.jpg',
      data: Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 37) % 256)),
      compress: false,
    },
    { name: 'empty.txt', data: Buffer.alloc(0), compress: true },
  ];

  it('when files are written and read back, then names (UTF-8) and bytes are the same', () => {
    const { files: read, problems } = readZip(archive(files));
    expect(problems).toEqual([]);
    expect(read.map((f) => f.name)).toEqual(files.map((f) => f.name));
    for (const [i, f] of read.entries()) expect(Buffer.compare(f.data, files[i]!.data)).toBe(0);
  });

  it('when any byte of a file’s data is changed, then the reader names that file', () => {
    const zip = archive(files);
    const stored = files[1]!.data;
    const at = zip.indexOf(stored.subarray(0, 64));
    for (const offset of [0, 1234, stored.length - 1]) {
      const copy = Buffer.from(zip);
      copy[at + offset] = copy[at + offset]! ^ 0x01;
      const { problems } = readZip(copy);
      expect(problems).toEqual([
        { file: 'photos/照片.jpg', code: 'damaged', problem: expect.stringMatching(/CRC-32/) },
      ]);
    }
  });

  it('when deflated data is damaged, then the reader says which file and does not throw', () => {
    const zip = archive(files);
    const nameAt = zip.indexOf(Buffer.from('manifest.json'));
    const copy = Buffer.from(zip);
    copy[nameAt + 'manifest.json'.length + 3] = copy[nameAt + 'manifest.json'.length + 3]! ^ 0xff;
    const { problems } = readZip(copy);
    expect(problems.map((p) => p.file)).toEqual(['manifest.json']);
  });

  it('when the same name is added twice, or the bytes are no archive, then it is refused clearly', () => {
    const writer = new ZipWriter(new Date());
    writer.add({ name: 'a', data: Buffer.from('x'), compress: false });
    expect(() => writer.add({ name: 'a', data: Buffer.from('y'), compress: false })).toThrow(/already has a/);
    expect(readZip(Buffer.from('not a zip at all, just text')).problems[0]!.file).toBe('(archive)');
  });

  it('when the CRC-32 of a known string is computed, then it is the standard value', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
  });

  it('when bytes are hidden between the files or in a comment, then the archive is refused', () => {
    const zip = archive(files);
    const endAt = zip.length - 22;
    const centralOffset = zip.readUInt32LE(endAt + 16);
    // A local entry slipped in before the central directory, which does not list it.
    const planted = Buffer.from('PK\u0003\u0004 a hidden report.html');
    const hidden = Buffer.concat([zip.subarray(0, centralOffset), planted, zip.subarray(centralOffset)]);
    hidden.writeUInt32LE(centralOffset + planted.length, hidden.length - 22 + 16);
    expect(readZip(hidden).problems).toEqual([
      { file: '(archive)', code: 'archive', problem: expect.stringMatching(/belong to no listed file/) },
    ]);
    const commented = Buffer.concat([zip, Buffer.from('note')]);
    commented.writeUInt16LE(4, commented.length - 4 - 22 + 20);
    expect(readZip(commented).problems.map((p) => p.problem)).toEqual([expect.stringMatching(/comment/)]);
  });
});

import { describe, expect, it } from 'vitest';
import { hasControlCharacters, hasJpegSignature } from './images.js';

describe('accepting photos', () => {
  const signatures: Array<[string, number[], boolean]> = [
    ['a JPEG (JFIF)', [0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10], true],
    ['a JPEG (EXIF)', [0xff, 0xd8, 0xff, 0xe1], true],
    ['a PNG', [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], false],
    ['a text file', [...Buffer.from('This is a flight log')], false],
    ['SOI without a marker after it', [0xff, 0xd8, 0x00], false],
    ['two bytes only', [0xff, 0xd8], false],
    ['nothing', [], false],
  ];
  it.each(signatures)('when the bytes are %s, then the JPEG signature check says %s', (_what, bytes, expected) => {
    expect(hasJpegSignature(Uint8Array.from(bytes))).toBe(expected);
  });

  const names: Array<[string, string, boolean]> = [
    ['a plain name', 'DJI_0001.JPG', false],
    ['spaces, brackets and Chinese', '现场 照片 (1).jpg', false],
    ['a carriage return', 'a\r.jpg', true],
    ['a line feed', 'a\n.jpg', true],
    ['a tab', 'a\t.jpg', true],
    ['NUL', 'a\u0000.jpg', true],
    ['escape (C0)', 'a\u001b[31m.jpg', true],
    ['DEL', 'a\u007f.jpg', true],
    ['a C1 control (NEL)', 'a\u0085.jpg', true],
    ['the first character after C1 (NBSP)', 'a\u00a0.jpg', false],
  ];
  it.each(names)('when a file name has %s, then hasControlCharacters says %s', (_what, name, expected) => {
    expect(hasControlCharacters(name)).toBe(expected);
  });
});

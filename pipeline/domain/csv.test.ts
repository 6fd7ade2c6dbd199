import { describe, expect, it } from 'vitest';
import { csvField, csvRow } from './csv.js';

describe('CSV fields', () => {
  it('when a field holds a comma, quote or line break, then it is quoted with quotes doubled', () => {
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('plain 化工')).toBe('plain 化工');
  });

  it('when text starts like a formula, then it is made inert with a quote mark', () => {
    expect(csvField('=HYPERLINK("http://x")')).toBe(`"'=HYPERLINK(""http://x"")"`);
    expect(csvField('+1')).toBe("'+1");
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
    // Numbers stay numbers: a negative longitude is data, not a formula.
    expect(csvField(-83.69)).toBe('-83.69');
  });

  it('when a row is written, then empty values are empty and it ends with CRLF', () => {
    expect(csvRow(['a', null, undefined, 3, true])).toBe('a,,,3,true\r\n');
  });
});

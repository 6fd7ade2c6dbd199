import { describe, expect, it } from 'vitest';
import { OnnxFormatError, parseClassNames, parseIntList, parsePythonBool, readOnnxModelInfo } from './onnx-metadata.js';

// A hand-written protobuf encoder for the few wire shapes a ModelProto uses.
const WIRE_VARINT = 0;
const WIRE_I64 = 1;
const WIRE_LEN = 2;
const WIRE_I32 = 5;

function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return out;
}

const tag = (field: number, wire: number) => varint(field * 8 + wire);
const varintField = (field: number, value: number) => [...tag(field, WIRE_VARINT), ...varint(value)];
const bytesField = (field: number, payload: number[]) => [
  ...tag(field, WIRE_LEN),
  ...varint(payload.length),
  ...payload,
];
const stringField = (field: number, text: string) => bytesField(field, [...new TextEncoder().encode(text)]);
const metadataProp = (key: string, value: string) => bytesField(14, [...stringField(1, key), ...stringField(2, value)]);

describe('varint helper (sanity)', () => {
  it('when 300 is encoded, then it is the two bytes of the protobuf documentation', () => {
    expect(varint(300)).toEqual([0xac, 0x02]);
    expect(tag(14, WIRE_LEN)).toEqual([0x72]);
  });
});

describe('readOnnxModelInfo', () => {
  const longValue = 'x'.repeat(200); // a length that needs a two-byte varint
  // The graph holds bytes that are not valid at the top level (field 0, wire type 7) and a
  // metadata_props tag: all of it must be skipped, not parsed.
  const graph = [0x00, 0xff, 0x07, ...metadataProp('hidden', 'inside the graph'), 0x0f];
  const model = new Uint8Array([
    ...varintField(1, 8), // ir_version
    ...stringField(2, 'pytorch'),
    ...stringField(3, '2.4.1'),
    ...varintField(5, 300), // model_version, a multi-byte varint
    ...bytesField(7, graph),
    ...metadataProp('names', "{0: 'fire', 1: 'smoke'}"),
    ...metadataProp('description', '火焰'),
    ...metadataProp('long', longValue),
    ...[...tag(20, WIRE_I64), 1, 2, 3, 4, 5, 6, 7, 8],
    ...[...tag(21, WIRE_I32), 1, 2, 3, 4],
    ...bytesField(8, [...varintField(2, 17)]), // opset_import
  ]);

  it('when a ModelProto holds producer and metadata_props, then both are read and the graph is skipped', () => {
    expect(readOnnxModelInfo(model)).toEqual({
      producerName: 'pytorch',
      producerVersion: '2.4.1',
      metadata: { names: "{0: 'fire', 1: 'smoke'}", description: '火焰', long: longValue },
    });
  });

  it('when there is no producer and no metadata, then only an empty metadata record comes back', () => {
    expect(readOnnxModelInfo(new Uint8Array(varintField(1, 8)))).toEqual({ metadata: {} });
  });

  it('when an entry has a key but no value, then the value is empty; an entry without a key is ignored', () => {
    const bytes = new Uint8Array([
      ...bytesField(14, stringField(1, 'end2end')),
      ...bytesField(14, stringField(2, 'orphan')),
    ]);
    expect(readOnnxModelInfo(bytes).metadata).toEqual({ end2end: '' });
  });

  it('when the file is cut short, then OnnxFormatError is thrown', () => {
    const graphCut = new Uint8Array(bytesField(7, [1, 2, 3, 4, 5]).slice(0, -2));
    expect(() => readOnnxModelInfo(graphCut)).toThrow(OnnxFormatError);
    expect(() => readOnnxModelInfo(graphCut)).toThrow(/field 7 runs past the end/);
    // The whole model cut inside its last field (its payload, then its length varint).
    expect(() => readOnnxModelInfo(model.subarray(0, model.length - 1))).toThrow(OnnxFormatError);
    expect(() => readOnnxModelInfo(model.subarray(0, model.length - 3))).toThrow(OnnxFormatError);
  });

  it('when the file ends inside a varint, then OnnxFormatError is thrown', () => {
    expect(() => readOnnxModelInfo(new Uint8Array([0x08, 0x80]))).toThrow(OnnxFormatError);
  });

  it('when the file ends inside a fixed-width field, then OnnxFormatError says truncated', () => {
    expect(() => readOnnxModelInfo(new Uint8Array([...tag(20, WIRE_I64), 1, 2, 3]))).toThrow(/truncated/);
  });

  it('when the bytes are not protobuf (field 0 or a group wire type), then OnnxFormatError is thrown', () => {
    expect(() => readOnnxModelInfo(new TextEncoder().encode('\0not onnx'))).toThrow(OnnxFormatError);
    expect(() => readOnnxModelInfo(new Uint8Array([...tag(3, 3)]))).toThrow(/wire type 3/);
  });
});

describe('parseClassNames', () => {
  it('when given an Ultralytics dict repr, then names come back by index', () => {
    expect(parseClassNames("{0: 'person', 1: 'bicycle'}")).toEqual(['person', 'bicycle']);
  });

  it('when a name holds an apostrophe and is double-quoted, then it is read whole', () => {
    expect(parseClassNames(`{0: "o'neil", 1: 'hard hat'}`)).toEqual(["o'neil", 'hard hat']);
  });

  it('when a name holds an escaped quote, then the escape is removed', () => {
    expect(parseClassNames(String.raw`{0: 'it\'s "fine"'}`)).toEqual([`it's "fine"`]);
  });

  it('when the indices are out of order, then names are placed by index', () => {
    expect(parseClassNames("{1: 'smoke', 0: 'fire'}")).toEqual(['fire', 'smoke']);
  });

  it('when given a plain list, then names come back in order', () => {
    expect(parseClassNames("['a', 'b']")).toEqual(['a', 'b']);
  });

  it('when an index is missing, then it throws naming the gap', () => {
    expect(() => parseClassNames("{0: 'a', 2: 'c'}")).toThrow(/skip index 1/);
  });
});

describe('parseIntList', () => {
  it('when given a Python list of sizes, then the integers come back', () => {
    expect(parseIntList('[640, 480]')).toEqual([640, 480]);
  });

  it('when given a bare number or nothing, then one or no integers come back', () => {
    expect(parseIntList('32')).toEqual([32]);
    expect(parseIntList('')).toEqual([]);
  });
});

describe('parsePythonBool', () => {
  it('when given True or False, then the boolean comes back', () => {
    expect(parsePythonBool('True')).toBe(true);
    expect(parsePythonBool('False')).toBe(false);
    expect(parsePythonBool(' true ')).toBe(true);
  });

  it('when given anything else or nothing, then undefined comes back', () => {
    expect(parsePythonBool('yes')).toBeUndefined();
    expect(parsePythonBool('1')).toBeUndefined();
    expect(parsePythonBool(undefined)).toBeUndefined();
  });
});

/**
 * Reads what an ONNX file says about itself without opening a session: the model-level
 * `metadata_props` (where Ultralytics writes `names`, `imgsz`, `stride`, `end2end`, …) and the
 * producer. onnxruntime-node does not expose these, so the top level of the ModelProto protobuf is
 * walked directly; nested messages such as the graph are skipped, not parsed. Pure.
 */

export interface OnnxModelInfo {
  producerName?: string;
  producerVersion?: string;
  metadata: Record<string, string>;
}

// ModelProto field numbers (onnx/onnx.proto).
const PRODUCER_NAME = 2;
const PRODUCER_VERSION = 3;
const METADATA_PROPS = 14;
// StringStringEntryProto.
const ENTRY_KEY = 1;
const ENTRY_VALUE = 2;

const WIRE_VARINT = 0;
const WIRE_I64 = 1;
const WIRE_LEN = 2;
const WIRE_I32 = 5;

export class OnnxFormatError extends Error {}

export function readOnnxModelInfo(bytes: Uint8Array): OnnxModelInfo {
  const info: OnnxModelInfo = { metadata: {} };
  const decoder = new TextDecoder();
  for (const field of fields(bytes, 0, bytes.length)) {
    if (field.wire !== WIRE_LEN) continue;
    if (field.number === PRODUCER_NAME) info.producerName = decoder.decode(bytes.subarray(field.start, field.end));
    else if (field.number === PRODUCER_VERSION)
      info.producerVersion = decoder.decode(bytes.subarray(field.start, field.end));
    else if (field.number === METADATA_PROPS) {
      let key: string | undefined;
      let value = '';
      for (const entry of fields(bytes, field.start, field.end)) {
        if (entry.wire !== WIRE_LEN) continue;
        const text = decoder.decode(bytes.subarray(entry.start, entry.end));
        if (entry.number === ENTRY_KEY) key = text;
        else if (entry.number === ENTRY_VALUE) value = text;
      }
      if (key !== undefined) info.metadata[key] = value;
    }
  }
  return info;
}

interface Field {
  number: number;
  wire: number;
  /** For length-delimited fields, the payload's byte range. */
  start: number;
  end: number;
}

function* fields(bytes: Uint8Array, start: number, end: number): Generator<Field> {
  let pos = start;
  while (pos < end) {
    const [tag, afterTag] = varint(bytes, pos);
    pos = afterTag;
    const number = Math.floor(tag / 8);
    const wire = tag % 8;
    if (number === 0) throw new OnnxFormatError(`not an ONNX model: field number 0 at byte ${pos}`);
    switch (wire) {
      case WIRE_VARINT:
        pos = varint(bytes, pos)[1];
        yield { number, wire, start: pos, end: pos };
        break;
      case WIRE_I64:
        pos += 8;
        break;
      case WIRE_I32:
        pos += 4;
        break;
      case WIRE_LEN: {
        const [length, payload] = varint(bytes, pos);
        if (payload + length > end) throw new OnnxFormatError(`not an ONNX model: field ${number} runs past the end`);
        yield { number, wire, start: payload, end: payload + length };
        pos = payload + length;
        break;
      }
      default:
        throw new OnnxFormatError(`not an ONNX model: unsupported protobuf wire type ${wire} at byte ${pos}`);
    }
  }
  if (pos > end) throw new OnnxFormatError('not an ONNX model: truncated');
}

/** Decodes a base-128 varint; numbers stay exact up to 2^53, enough for any length here. */
function varint(bytes: Uint8Array, pos: number): [number, number] {
  let value = 0;
  let factor = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= bytes.length) throw new OnnxFormatError('not an ONNX model: truncated varint');
    const byte = bytes[pos++]!;
    value += (byte & 0x7f) * factor;
    if (byte < 0x80) return [value, pos];
    factor *= 128;
  }
  throw new OnnxFormatError('not an ONNX model: varint too long');
}

/**
 * Parses the Python literals Ultralytics writes into metadata: `names` is a dict repr
 * ("{0: 'person', 1: \"o'neil\"}"), `imgsz` a list ("[640, 640]"), `end2end` "True"/"False".
 */
export function parseClassNames(text: string): string[] {
  const names: string[] = [];
  const entry = /(\d+)\s*:\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")/g;
  let match: RegExpExecArray | null;
  while ((match = entry.exec(text)) !== null) {
    const raw = match[2] ?? match[3] ?? '';
    names[Number(match[1])] = raw.replace(/\\(.)/g, '$1');
  }
  if (names.length === 0) {
    // Some exporters write a plain list: "['a', 'b']".
    const item = /'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"/g;
    while ((match = item.exec(text)) !== null) names.push((match[1] ?? match[2] ?? '').replace(/\\(.)/g, '$1'));
  }
  for (let i = 0; i < names.length; i++)
    if (names[i] === undefined) throw new Error(`class names skip index ${i}: ${text.slice(0, 80)}`);
  return names;
}

export function parseIntList(text: string): number[] {
  return [...text.matchAll(/-?\d+/g)].map((m) => Number(m[0]));
}

export function parsePythonBool(text: string | undefined): boolean | undefined {
  if (text === undefined) return undefined;
  if (/^true$/i.test(text.trim())) return true;
  if (/^false$/i.test(text.trim())) return false;
  return undefined;
}

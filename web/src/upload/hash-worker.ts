/**
 * SHA-256 of photos, off the page's thread. crypto.subtle.digest takes the whole input at once, so a
 * 20 MB photo would be read into memory in full; hash-wasm's hasher takes it slice by slice, so the
 * worker holds one slice at a time whatever the file's size.
 */
import { createSHA256, type IHasher } from 'hash-wasm';

/** Large enough that the WebAssembly call and the read cost little per byte, small enough to keep memory flat. */
const SLICE_BYTES = 4 * 1024 * 1024;

export interface HashRequest {
  id: number;
  file: File;
}
export type HashReply = { id: number; sha256: string } | { id: number; error: string };

let hasher: Promise<IHasher> | undefined;

async function sha256Of(file: File): Promise<string> {
  hasher ??= createSHA256();
  const h = (await hasher).init();
  for (let offset = 0; offset < file.size; offset += SLICE_BYTES)
    h.update(new Uint8Array(await file.slice(offset, offset + SLICE_BYTES).arrayBuffer()));
  return h.digest('hex');
}

// The DOM library types `self` as a window; in a dedicated worker it is this.
const scope = self as unknown as {
  onmessage: ((event: MessageEvent<HashRequest>) => void) | null;
  postMessage(reply: HashReply): void;
};

// One file at a time, in the order asked: the hasher is shared.
let queue = Promise.resolve();
scope.onmessage = (event) => {
  const { id, file } = event.data;
  queue = queue.then(async () => {
    let reply: HashReply;
    try {
      reply = { id, sha256: await sha256Of(file) };
    } catch (error) {
      // A file that went away or cannot be read (moved, permissions) since it was chosen.
      reply = { id, error: error instanceof Error ? error.message : String(error) };
    }
    scope.postMessage(reply);
  });
};

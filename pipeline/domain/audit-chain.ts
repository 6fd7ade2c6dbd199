/**
 * The audit trail as a hash chain: each entry stores sha256(previous entry's hash + its own
 * canonical JSON), so changing, deleting, reordering or inserting any entry breaks every hash after
 * it, and the first broken link says where. Pure (hashing through an injected function).
 */

export interface ChainedEntry {
  id: number;
  at: string;
  actor: string;
  action: string;
  subjectType: string;
  subjectId: string;
  detail: unknown;
  prevHash: string;
  hash: string;
}

type Sha256 = (text: string) => string;

/** The hash that precedes the first entry. */
export const GENESIS_HASH = '0'.repeat(64);

/** JSON with object keys sorted at every level: the same entry always gives the same text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value as Record<string, unknown>)
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
}

/** What an entry's hash covers: everything but the hashes themselves, and its id (the chain orders it). */
export function entryBody(entry: Omit<ChainedEntry, 'hash' | 'prevHash' | 'id'>): string {
  return canonicalJson({
    at: entry.at,
    actor: entry.actor,
    action: entry.action,
    subjectType: entry.subjectType,
    subjectId: entry.subjectId,
    detail: entry.detail ?? null,
  });
}

export function chainHash(prevHash: string, body: string, sha256: Sha256): string {
  return sha256(chainText(prevHash, body));
}

/** The text an entry's hash is taken of, for callers whose sha256 is asynchronous (a browser's). */
export function chainText(prevHash: string, body: string): string {
  return `${prevHash}\n${body}`;
}

export type ChainVerdict =
  { ok: true; entries: number } | { ok: false; position: number; entryId: number; problem: string };

/**
 * Walks the chain in order. `position` is the index (0-based) of the first entry that does not
 * follow from the ones before it.
 */
export function verifyChain(
  entries: readonly ChainedEntry[],
  sha256: Sha256,
  head?: { entries: number; lastHash: string },
): ChainVerdict {
  let prev = GENESIS_HASH;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    if (e.prevHash !== prev) {
      return {
        ok: false,
        position: i,
        entryId: e.id,
        problem:
          i === 0
            ? 'the first entry does not start the chain (entries before it were removed)'
            : 'it does not follow the entry before it (an entry was removed, inserted or moved)',
      };
    }
    const expected = chainHash(prev, entryBody(e), sha256);
    if (e.hash !== expected)
      return {
        ok: false,
        position: i,
        entryId: e.id,
        problem: 'its content does not match its hash (the entry was changed)',
      };
    prev = e.hash;
  }
  if (head && (head.entries !== entries.length || head.lastHash !== prev)) {
    return {
      ok: false,
      position: entries.length,
      entryId: entries.at(-1)?.id ?? 0,
      problem: `the trail ends after ${entries.length} entries, but its head records ${head.entries} (the newest entries were removed or the head was changed)`,
    };
  }
  return { ok: true, entries: entries.length };
}

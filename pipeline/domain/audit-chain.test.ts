import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson, type ChainedEntry, chainHash, entryBody, GENESIS_HASH, verifyChain } from './audit-chain.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

function chain(n: number): ChainedEntry[] {
  const entries: ChainedEntry[] = [];
  let prev = GENESIS_HASH;
  for (let i = 0; i < n; i++) {
    const base = {
      at: new Date(Date.UTC(2026, 10, 29, 8, 0, i)).toISOString(),
      actor: `reviewer:r${i % 3}`,
      action: i % 2 ? 'detection.confirm' : 'case.opened',
      subjectType: 'case',
      subjectId: `s${i}`,
      detail: { n: i, nested: { b: 1, a: [i, 'x'] } },
    };
    const hash = chainHash(prev, entryBody(base), sha256);
    entries.push({ id: i + 1, ...base, prevHash: prev, hash });
    prev = hash;
  }
  return entries;
}

// A small deterministic generator so failures reproduce.
function positions(count: number, max: number, seed: number): number[] {
  let s = seed;
  return Array.from({ length: count }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % max;
  });
}

describe('hash-chained audit trail', () => {
  const entries = chain(300);
  const head = { entries: 300, lastHash: entries.at(-1)!.hash };

  it('when nothing was touched, then the chain verifies', () => {
    expect(verifyChain(entries, sha256, head)).toEqual({ ok: true, entries: 300 });
  });

  it('when objects are serialised, then key order does not matter', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { f: 2, e: 3 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[1,{"e":3,"f":2}]},"b":1}',
    );
  });

  it('when an entry is modified at any of 100 random positions, then verification fails exactly there', () => {
    for (const p of positions(100, entries.length, 1)) {
      const tampered = entries.map((e) => ({ ...e }));
      tampered[p] = { ...tampered[p]!, detail: { n: -1 } };
      expect(verifyChain(tampered, sha256)).toMatchObject({
        ok: false,
        position: p,
        problem: expect.stringMatching(/changed/),
      });
    }
  });

  it('when an entry is deleted at any of 100 random positions, then verification fails where the gap is', () => {
    for (const p of positions(100, entries.length, 2)) {
      const tampered = entries.filter((_, i) => i !== p);
      // Removing the newest entry leaves a valid shorter chain: the head (count and last hash) tells.
      expect(verifyChain(tampered, sha256, head)).toMatchObject({ ok: false, position: p });
    }
  });

  it('when two entries are swapped at any of 100 random positions, then verification fails at the first of them', () => {
    for (const p of positions(100, entries.length - 1, 3)) {
      const tampered = [...entries];
      [tampered[p], tampered[p + 1]] = [tampered[p + 1]!, tampered[p]!];
      expect(verifyChain(tampered, sha256)).toMatchObject({ ok: false, position: p });
    }
  });

  it('when a forged entry is inserted at any of 100 random positions, even with a hash computed for it, then verification fails there or just after', () => {
    for (const p of positions(100, entries.length, 4)) {
      const prev = p === 0 ? GENESIS_HASH : entries[p - 1]!.hash;
      const body = {
        at: entries[p]!.at,
        actor: 'admin:mallory',
        action: 'case.closed',
        subjectType: 'case',
        subjectId: 'x',
        detail: null,
      };
      const forged: ChainedEntry = {
        id: 10_000 + p,
        ...body,
        prevHash: prev,
        hash: chainHash(prev, entryBody(body), sha256),
      };
      const tampered = [...entries.slice(0, p), forged, ...entries.slice(p)];
      const verdict = verifyChain(tampered, sha256);
      expect(verdict.ok).toBe(false);
      // A well-forged entry itself verifies; the genuine entry after it no longer follows.
      expect(verdict).toMatchObject({ position: p + 1 });
    }
  });
});

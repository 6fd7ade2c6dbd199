import { createHash, createPublicKey, generateKeyPairSync, type KeyObject, sign, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  type ChainHead,
  type CheckpointCrypto,
  checkpointBody,
  checkpointKey,
  checkpointSigningText,
  checkpointText,
  needsCheckpoint,
  verifyAgainstCheckpoints,
} from './audit-anchor.js';

const crypto: CheckpointCrypto = {
  keyIdOf: (publicKey) =>
    createHash('sha256')
      .update(
        createPublicKey({ key: Buffer.from(publicKey, 'base64'), format: 'der', type: 'spki' }).export({
          type: 'spki',
          format: 'der',
        }),
      )
      .digest('hex'),
  verify: (message, signature, publicKey) =>
    verify(
      null,
      Buffer.from(message),
      createPublicKey({ key: Buffer.from(publicKey, 'base64'), format: 'der', type: 'spki' }),
      Buffer.from(signature, 'base64'),
    ),
};

function makeKey() {
  const { privateKey } = generateKeyPairSync('ed25519');
  const publicKey = createPublicKey(privateKey).export({ type: 'spki', format: 'der' }).toString('base64');
  return { privateKey, publicKey, keyId: crypto.keyIdOf(publicKey) };
}
const agency = makeKey();
const intruder = makeKey();
const trusted = new Set([agency.keyId]);

/** A chain of n entries; `salt` gives a different history of the same length. */
function chain(n: number, salt = ''): Array<{ id: number; hash: string }> {
  return Array.from({ length: n }, (_, i) => ({
    id: 100 + i,
    hash: createHash('sha256').update(`${salt}${i}`).digest('hex'),
  }));
}
const headOf = (entries: Array<{ id: number; hash: string }>, n: number): ChainHead => ({
  entries: n,
  hash: entries[n - 1]!.hash,
  id: entries[n - 1]!.id,
  at: new Date(Date.UTC(2025, 2, 1, 8, 0, n)).toISOString(),
});

function signed(head: ChainHead, key: { privateKey: KeyObject; publicKey: string; keyId: string } = agency) {
  const body = checkpointBody(head, new Date('2025-03-01T09:00:00Z'), key);
  const signature = sign(null, Buffer.from(checkpointSigningText(body)), key.privateKey).toString('base64');
  return { ...body, signature };
}
const text = (c: ReturnType<typeof signed>) => checkpointText(c);

const original = chain(6);

describe('checking the audit chain against signed checkpoints', () => {
  const table: Array<{
    name: string;
    chain: Array<{ id: number; hash: string }>;
    checkpoints: string[];
    ok: boolean;
    matched: number;
    unanchored: number;
    problem?: RegExp;
  }> = [
    {
      name: 'when the chain is untouched and checkpoints cover it, then it passes with nothing unanchored',
      chain: original,
      checkpoints: [text(signed(headOf(original, 3))), text(signed(headOf(original, 6)))],
      ok: true,
      matched: 2,
      unanchored: 0,
    },
    {
      name: 'when entries were added after the newest checkpoint, then it passes and counts them unanchored',
      chain: [...original, ...chain(8).slice(6)],
      checkpoints: [text(signed(headOf(original, 6)))],
      ok: true,
      matched: 1,
      unanchored: 2,
    },
    {
      name: 'when there are no checkpoints, then it passes with the whole chain unanchored',
      chain: original,
      checkpoints: [],
      ok: true,
      matched: 0,
      unanchored: 6,
    },
    {
      name: 'when the newest entries were deleted and the head rewound, then the checkpoint past the end reports the truncation',
      chain: original.slice(0, 4),
      checkpoints: [text(signed(headOf(original, 3))), text(signed(headOf(original, 6)))],
      ok: false,
      matched: 1,
      unanchored: 1,
      problem: /over 6 entries, but the chain now holds 4: the newest 2 were removed/,
    },
    {
      name: 'when the chain was cut and regrown past the checkpoint, then the hash at the checkpoint differs',
      chain: [...original.slice(0, 4), ...chain(7, 'forged').slice(4)],
      checkpoints: [text(signed(headOf(original, 6)))],
      ok: false,
      matched: 0,
      unanchored: 7,
      problem: /at entry 6, but the chain has .* \(entry id 105\): the chain was rewritten/,
    },
    {
      name: 'when a checkpoint’s count was edited, then its signature fails',
      chain: original.slice(0, 4),
      checkpoints: [text({ ...signed(headOf(original, 6)), entries: 4, headHash: original[3]!.hash })],
      ok: false,
      matched: 0,
      unanchored: 4,
      problem: /signature does not verify/,
    },
    {
      name: 'when a checkpoint carries another public key under the agency’s key id, then the fingerprint check fails',
      chain: original,
      checkpoints: [text({ ...signed(headOf(original, 6), intruder), keyId: agency.keyId })],
      ok: false,
      matched: 0,
      unanchored: 6,
      problem: /key id is not the fingerprint/,
    },
    {
      name: 'when a checkpoint is consistently signed by a key the agency does not hold, then it is reported as forged',
      chain: original,
      checkpoints: [text(signed(headOf(original, 6), intruder))],
      ok: false,
      matched: 0,
      unanchored: 6,
      problem: /not one of the agency's keys \(forged\)/,
    },
    {
      name: 'when a checkpoint file is not JSON, then it is reported as damaged',
      chain: original,
      checkpoints: ['{"kind": "hazardscope.audit-checkpoint", '],
      ok: false,
      matched: 0,
      unanchored: 6,
      problem: /not JSON/,
    },
    {
      name: 'when a checkpoint lacks a field, then it is reported as not a checkpoint',
      chain: original,
      checkpoints: [JSON.stringify({ ...signed(headOf(original, 6)), headHash: undefined })],
      ok: false,
      matched: 0,
      unanchored: 6,
      problem: /not a checkpoint: headHash/,
    },
  ];

  it.each(table)('$name', (row) => {
    const verdict = verifyAgainstCheckpoints(
      row.chain,
      row.checkpoints.map((t, i) => ({ source: `c${i}.json`, text: t })),
      crypto,
      trusted,
    );
    expect(verdict.ok).toBe(row.ok);
    expect(verdict.matched).toBe(row.matched);
    expect(verdict.unanchored).toBe(row.unanchored);
    if (row.problem) expect(verdict.problems.map((p) => p.problem).join('\n')).toMatch(row.problem);
    else expect(verdict.problems).toEqual([]);
  });
});

describe('checkpoint keys', () => {
  const head: ChainHead = {
    entries: 1234,
    hash: 'ab'.repeat(32),
    id: 9,
    at: '2025-03-01T23:59:30.125+08:00',
  };
  it.each([
    {
      name: 'when the head time has an offset, then the key uses its UTC date and a colon-free stamp',
      head,
      key: 'audit-checkpoints/2025/03/01/20250301T155930.125Z-000000001234-abababababababab.json',
    },
    {
      name: 'when the head is just past midnight UTC, then the key falls on the new day',
      head: { ...head, at: '2025-03-02T00:00:00.000Z', entries: 1 },
      key: 'audit-checkpoints/2025/03/02/20250302T000000.000Z-000000000001-abababababababab.json',
    },
  ])('$name', ({ head: h, key }) => {
    expect(checkpointKey(h)).toBe(key);
  });

  it('when two heads differ only in their count, then their keys differ and sort by count', () => {
    const a = checkpointKey({ ...head, entries: 99 });
    const b = checkpointKey({ ...head, entries: 100 });
    expect(a < b).toBe(true);
  });
});

describe('when to write a checkpoint', () => {
  const head: ChainHead = { entries: 5, hash: 'c'.repeat(64), id: 5, at: '2025-03-01T00:00:00.000Z' };
  it.each([
    { name: 'when the chain is empty, then none', head: { ...head, entries: 0 }, last: undefined, write: false },
    { name: 'when nothing was anchored yet, then one', head, last: undefined, write: true },
    {
      name: 'when the head is the one anchored last, then none',
      head,
      last: { entries: 5, hash: head.hash },
      write: false,
    },
    { name: 'when the head moved on, then one', head, last: { entries: 4, hash: 'd'.repeat(64) }, write: true },
    {
      name: 'when the count matches but the hash does not, then one',
      head,
      last: { entries: 5, hash: 'd'.repeat(64) },
      write: true,
    },
  ])('$name', ({ head: h, last, write }) => {
    expect(needsCheckpoint(h, last)).toBe(write);
  });
});

/**
 * Anchors for the audit chain outside the database. The chain alone cannot show that its newest
 * entries were deleted and its head rewound: what is left is a valid, shorter chain. A checkpoint
 * is a signed statement "after N entries the chain's hash was H", kept where the database's users
 * cannot rewrite it (a write-once S3 prefix, an offline copy). The chain must still contain entry N
 * with hash H; a checkpoint of more entries than the chain holds means entries were removed. Pure:
 * hashing and signature checks come in as functions.
 */
import { z } from 'zod';
import { canonicalJson } from './audit-chain.js';

const CHECKPOINT_KIND = 'hazardscope.audit-checkpoint';
export const CHECKPOINT_PREFIX = 'audit-checkpoints/';

const Hex64 = z.string().regex(/^[0-9a-f]{64}$/);
const Instant = z.iso.datetime({ offset: true });

const CheckpointBodySchema = z
  .object({
    kind: z.literal(CHECKPOINT_KIND),
    version: z.literal(1),
    /** Chained entries at the checkpoint: the head entry is the chain's entry number `entries`. */
    entries: z.number().int().min(1),
    headHash: Hex64,
    headId: z.number().int().min(1),
    /** When the head entry was written; it names the object, so every process derives one key. */
    headAt: Instant,
    /** When the checkpoint was signed. */
    at: Instant,
    keyId: Hex64,
    /** SPKI DER, base64: the checkpoint can be checked without the database. */
    publicKey: z.string().min(1),
  })
  .strict();

const SignedCheckpointSchema = CheckpointBodySchema.extend({ signature: z.string().min(1) }).strict();

type CheckpointBody = z.infer<typeof CheckpointBodySchema>;
export type SignedCheckpoint = z.infer<typeof SignedCheckpointSchema>;

export interface ChainHead {
  entries: number;
  hash: string;
  id: number;
  at: string;
}

export interface CheckpointCrypto {
  /** The key id (sha256 hex of the SPKI DER) of a public key given as base64 SPKI DER; throws if it is none. */
  keyIdOf(publicKey: string): string;
  /** Whether `signature` (base64) is a valid Ed25519 signature of the UTF-8 `message` by the public key. */
  verify(message: string, signature: string, publicKey: string): boolean;
}

/** What is signed: the body as canonical JSON, so any changed field breaks the signature. */
export function checkpointSigningText(body: CheckpointBody): string {
  return canonicalJson(body);
}

export function checkpointBody(head: ChainHead, at: Date, key: { keyId: string; publicKey: string }): CheckpointBody {
  return {
    kind: CHECKPOINT_KIND,
    version: 1,
    entries: head.entries,
    headHash: head.hash,
    headId: head.id,
    headAt: head.at,
    at: at.toISOString(),
    keyId: key.keyId,
    publicKey: key.publicKey,
  };
}

/** The stored document: canonical JSON of the signed checkpoint, one line. */
export function checkpointText(checkpoint: SignedCheckpoint): string {
  return `${canonicalJson(checkpoint)}\n`;
}

/**
 * `audit-checkpoints/<yyyy>/<mm>/<dd>/<head time>-<entries>-<hash prefix>.json`, in UTC. Derived
 * from the head alone, so every process that anchors the same head picks the same key and the
 * first write wins; keys sort by time, then by count. No colons: exported copies land on any
 * file system.
 */
export function checkpointKey(head: Pick<ChainHead, 'entries' | 'hash' | 'at'>): string {
  const at = new Date(head.at);
  if (Number.isNaN(at.getTime())) throw new Error(`not a time: ${head.at}`);
  const iso = at.toISOString(); // 2025-03-01T08:15:30.123Z
  const [yyyy, mm, dd] = [iso.slice(0, 4), iso.slice(5, 7), iso.slice(8, 10)];
  const stamp = iso.replace(/[-:]/g, ''); // 20250301T081530.123Z
  return `${CHECKPOINT_PREFIX}${yyyy}/${mm}/${dd}/${stamp}-${String(head.entries).padStart(12, '0')}-${head.hash.slice(0, 16)}.json`;
}

/** Whether the head is worth a new checkpoint: something to anchor, and not the one anchored last. */
export function needsCheckpoint(
  head: ChainHead,
  lastAnchored: Pick<ChainHead, 'entries' | 'hash'> | undefined,
): boolean {
  if (head.entries < 1) return false;
  return !(lastAnchored && lastAnchored.entries === head.entries && lastAnchored.hash === head.hash);
}

export interface CheckpointSource {
  /** Where it came from (an S3 key or a file), for the report. */
  source: string;
  text: string;
}

export interface AnchorProblem {
  source: string;
  problem: string;
}

export interface AnchorVerdict {
  ok: boolean;
  /** Checkpoints that were genuine and matched the chain. */
  matched: number;
  /** The newest genuine checkpoint (most entries), if any. */
  newest?: { source: string; entries: number; at: string } | undefined;
  /** Chain entries after the newest genuine checkpoint: not anchored yet. */
  unanchored: number;
  problems: AnchorProblem[];
}

/** Parses and checks a checkpoint's own integrity: shape, key fingerprint, signature, trusted key. */
export function readCheckpoint(
  text: string,
  crypto: CheckpointCrypto,
  trustedKeyIds: ReadonlySet<string>,
): { ok: true; checkpoint: SignedCheckpoint } | { ok: false; problem: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, problem: 'not JSON (the checkpoint was damaged)' };
  }
  const parsed = SignedCheckpointSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return {
      ok: false,
      problem: `not a checkpoint: ${issue.path.join('.') || '(document)'}: ${issue.message}`,
    };
  }
  const { signature, ...body } = parsed.data;
  let keyId: string | undefined;
  try {
    keyId = crypto.keyIdOf(body.publicKey);
  } catch {
    keyId = undefined;
  }
  if (keyId !== body.keyId)
    return { ok: false, problem: 'its key id is not the fingerprint of its public key (the checkpoint was changed)' };
  if (!crypto.verify(checkpointSigningText(body), signature, body.publicKey))
    return { ok: false, problem: 'its signature does not verify (the checkpoint was changed after signing)' };
  if (!trustedKeyIds.has(body.keyId))
    return { ok: false, problem: `signed by key ${body.keyId}, which is not one of the agency's keys (forged)` };
  return { ok: true, checkpoint: parsed.data };
}

/**
 * Checks a chain (in order, already walked by `verifyChain`) against checkpoints: each genuine
 * checkpoint's entry must still be in the chain with the signed hash. Any checkpoint that is not
 * genuine is a problem too: someone who can write the prefix tried to change history.
 */
export function verifyAgainstCheckpoints(
  chain: readonly { id: number; hash: string }[],
  checkpoints: readonly CheckpointSource[],
  crypto: CheckpointCrypto,
  trustedKeyIds: ReadonlySet<string>,
): AnchorVerdict {
  const problems: AnchorProblem[] = [];
  let matched = 0;
  let newest: AnchorVerdict['newest'];
  for (const { source, text } of checkpoints) {
    const read = readCheckpoint(text, crypto, trustedKeyIds);
    if (!read.ok) {
      problems.push({ source, problem: read.problem });
      continue;
    }
    const c = read.checkpoint;
    if (c.entries > chain.length) {
      problems.push({
        source,
        problem: `signed ${c.at} over ${c.entries} entries, but the chain now holds ${chain.length}: the newest ${c.entries - chain.length} were removed and the head rewound`,
      });
      continue;
    }
    const entry = chain[c.entries - 1]!;
    if (entry.hash !== c.headHash) {
      problems.push({
        source,
        problem: `signed ${c.at} with hash ${c.headHash} at entry ${c.entries}, but the chain has ${entry.hash} there (entry id ${entry.id}): the chain was rewritten up to that point`,
      });
      continue;
    }
    matched++;
    if (!newest || c.entries > newest.entries) newest = { source, entries: c.entries, at: c.at };
  }
  return {
    ok: problems.length === 0,
    matched,
    newest,
    unanchored: chain.length - (newest?.entries ?? 0),
    problems,
  };
}

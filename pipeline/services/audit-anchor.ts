import {
  type AnchorVerdict,
  type ChainHead,
  CHECKPOINT_PREFIX,
  type CheckpointCrypto,
  type CheckpointSource,
  checkpointBody,
  checkpointKey,
  checkpointSigningText,
  checkpointText,
  needsCheckpoint,
  readCheckpoint,
  type SignedCheckpoint,
  verifyAgainstCheckpoints,
} from '../domain/audit-anchor.js';
import { type ChainVerdict, verifyChain } from '../domain/audit-chain.js';
import { keyIdOf, nodeBundleCrypto, type SigningKey, sha256Hex } from '../evidence/signing.js';
import type { Logger } from '../logger.js';
import type { AuditRepository } from '../repositories/audit.js';
import type { SigningKeyRepository } from '../repositories/signing-keys.js';
import type { ObjectStorage } from '../repositories/storage.js';

const nodeCheckpointCrypto: CheckpointCrypto = {
  keyIdOf,
  verify: (message, signature, publicKey) => nodeBundleCrypto.verify(Buffer.from(message), signature, publicKey),
};

interface AuditAnchorOptions {
  audit: AuditRepository;
  storage: Pick<ObjectStorage, 'putAuditOnce' | 'listAudit' | 'getAudit'>;
  /** The evidence key: checkpoints are signed like evidence bundles. */
  signingKey: SigningKey;
  signingKeys: Pick<SigningKeyRepository, 'list'>;
  now: () => Date;
  logger: Logger;
}

type CheckpointOutcome =
  | { written: true; key: string; entries: number }
  | { written: false; entries: number; reason: 'empty' | 'unchanged' | 'exists'; key?: string };

interface AnchoredVerdict {
  chain: ChainVerdict;
  unchained: number;
  headHash: string;
  anchors: AnchorVerdict;
  /** Checkpoints read, genuine or not. */
  checkpoints: number;
}

/**
 * Signs the audit chain's head into a write-once S3 prefix and checks the chain against what was
 * signed, so deleting the newest entries and rewinding the head no longer goes unseen.
 */
export class AuditAnchorService {
  /** The head this process anchored last: an unchanged head costs one query and no S3 call. */
  private lastAnchored: Pick<ChainHead, 'entries' | 'hash'> | undefined;

  constructor(private readonly options: AuditAnchorOptions) {}

  /**
   * Writes a checkpoint of the head when it moved. Every process may call this: the key comes from
   * the head, and a key that exists is left alone. Never appends to the audit trail itself, which
   * would move the head it just anchored.
   */
  async checkpoint(): Promise<CheckpointOutcome> {
    const head = await this.options.audit.head();
    if (!needsCheckpoint(head, this.lastAnchored))
      return { written: false, entries: head.entries, reason: head.entries < 1 ? 'empty' : 'unchanged' };
    if (!head.consistent) {
      // Signing it would vouch for a head that names no such entry; `audit verify` says what is wrong.
      throw new Error(
        `the audit head (entry ${head.entries}, id ${head.id}) does not match its entry: not signing it; run hazardscope audit verify`,
      );
    }
    const key = checkpointKey(head);
    const body = checkpointBody(head, this.options.now(), this.options.signingKey);
    const signed: SignedCheckpoint = {
      ...body,
      signature: this.options.signingKey.sign(Buffer.from(checkpointSigningText(body))),
    };
    const { created } = await this.options.storage.putAuditOnce(key, Buffer.from(checkpointText(signed)));
    this.lastAnchored = { entries: head.entries, hash: head.hash };
    if (created) this.options.logger.info({ key, entries: head.entries }, 'audit checkpoint written');
    return created
      ? { written: true, key, entries: head.entries }
      : { written: false, entries: head.entries, reason: 'exists', key };
  }

  /** Every stored checkpoint as stored (for export), oldest key first. */
  async list(): Promise<Array<{ key: string; text: string }>> {
    const keys = await this.options.storage.listAudit(CHECKPOINT_PREFIX);
    const out: Array<{ key: string; text: string }> = [];
    for (const key of keys) out.push({ key, text: (await this.options.storage.getAudit(key)).toString('utf8') });
    return out;
  }

  /**
   * A page of stored checkpoints in key order (oldest first), each with its own verdict (signature
   * and key), for the admin export; whether they match the chain is `verify`'s question.
   */
  async page(input: { after?: string | undefined; limit: number }): Promise<{
    items: Array<
      { key: string; text: string } & ({ ok: true; checkpoint: SignedCheckpoint } | { ok: false; problem: string })
    >;
    next: string | undefined;
  }> {
    const keys = (await this.options.storage.listAudit(CHECKPOINT_PREFIX)).filter(
      (k) => input.after === undefined || k > input.after,
    );
    const chosen = keys.slice(0, input.limit);
    const trusted = await this.trustedKeyIds();
    const items = [];
    for (const key of chosen) {
      const text = (await this.options.storage.getAudit(key)).toString('utf8');
      items.push({ key, text, ...readCheckpoint(text, nodeCheckpointCrypto, trusted) });
    }
    return { items, next: keys.length > chosen.length ? chosen.at(-1) : undefined };
  }

  /**
   * Walks the chain and checks it against checkpoints: the stored ones, or `checkpoints` (an
   * offline copy). Trusted keys are the agency's signing keys on record, or only `pinnedKeyIds`.
   */
  async verify(input: { checkpoints?: CheckpointSource[]; pinnedKeyIds?: string[] } = {}): Promise<AnchoredVerdict> {
    const sources = input.checkpoints ?? (await this.list()).map((c) => ({ source: c.key, text: c.text }));
    const { entries, unchained, head } = await this.options.audit.readChain();
    const trusted = input.pinnedKeyIds?.length ? new Set(input.pinnedKeyIds) : await this.trustedKeyIds();
    return {
      chain: verifyChain(entries, sha256Hex, head),
      unchained,
      headHash: head.lastHash,
      anchors: verifyAgainstCheckpoints(entries, sources, nodeCheckpointCrypto, trusted),
      checkpoints: sources.length,
    };
  }

  private async trustedKeyIds(): Promise<Set<string>> {
    const keys = await this.options.signingKeys.list();
    return new Set([this.options.signingKey.keyId, ...keys.map((k) => k.keyId)]);
  }
}

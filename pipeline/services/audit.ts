import { type ChainVerdict, verifyChain } from '../domain/audit-chain.js';
import { sha256Hex } from '../evidence/signing.js';
import type { AuditRepository } from '../repositories/audit.js';

/** Checks the audit trail's hash chain end to end. */
export class AuditService {
  constructor(private readonly audit: AuditRepository) {}

  async verify(): Promise<{ verdict: ChainVerdict; unchained: number; headHash: string }> {
    const { entries, unchained, head } = await this.audit.readChain();
    return { verdict: verifyChain(entries, sha256Hex, head), unchained, headHash: head.lastHash };
  }
}

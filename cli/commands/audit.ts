/**
 * hazardscope audit verify: check the audit trail's hash chain.
 */
import { loadConfig } from '../../pipeline/config.js';
import { createAdminContainer } from '../../pipeline/container.js';

export const AUDIT_USAGE = `usage:
  hazardscope audit verify        check the audit trail's hash chain; exit 1 at the first broken entry`;

export async function runAuditVerify(): Promise<number> {
  const admin = await createAdminContainer(loadConfig(process.env));
  try {
    const { verdict, unchained, headHash } = await admin.audit.verify();
    const before = unchained ? ` (${unchained} entries precede the chain and are not covered)` : '';
    if (verdict.ok) {
      console.log(`audit trail intact: ${verdict.entries} chained entries, head ${headHash}${before}`);
      return 0;
    }
    console.error(
      `audit trail broken at position ${verdict.position} (entry id ${verdict.entryId}): ${verdict.problem}${before}`,
    );
    return 1;
  } finally {
    await admin.close();
  }
}

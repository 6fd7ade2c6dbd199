import { asc, ne } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { signingKeys } from '../db/schema.js';
import { generateSigningKeyPem, type SigningKey, signingKeyFromPem } from '../evidence/signing.js';

/** Marks a key whose private half is kept outside the database (EVIDENCE_SIGNING_KEY_FILE). */
const KEPT_OUTSIDE = '';

/**
 * The keys evidence bundles were signed with. Public halves are kept for good (a verifier asks
 * which keys the agency used); a private half only when the key was made here.
 */
export class SigningKeyRepository {
  constructor(private readonly db: Database) {}

  /** The configured key (recorded by its public half), or the one made here on first use. */
  async current(configuredPem: string | undefined): Promise<SigningKey> {
    if (configuredPem !== undefined) {
      const key = signingKeyFromPem(configuredPem);
      await this.db
        .insert(signingKeys)
        .values({ id: key.keyId, publicKey: key.publicKey, privateKey: KEPT_OUTSIDE })
        .onConflictDoNothing();
      return key;
    }
    const [stored] = await this.db
      .select()
      .from(signingKeys)
      .where(ne(signingKeys.privateKey, KEPT_OUTSIDE))
      .orderBy(asc(signingKeys.createdAt))
      .limit(1);
    if (stored) return signingKeyFromPem(stored.privateKey);
    const pem = generateSigningKeyPem();
    const made = signingKeyFromPem(pem);
    await this.db
      .insert(signingKeys)
      .values({ id: made.keyId, publicKey: made.publicKey, privateKey: pem })
      .onConflictDoNothing();
    // Two processes making one at once: the first stored wins, and both use it.
    const [winner] = await this.db
      .select()
      .from(signingKeys)
      .where(ne(signingKeys.privateKey, KEPT_OUTSIDE))
      .orderBy(asc(signingKeys.createdAt))
      .limit(1);
    return signingKeyFromPem(winner!.privateKey);
  }

  async list(): Promise<Array<{ keyId: string; publicKey: string; createdAt: Date; keptOutside: boolean }>> {
    const rows = await this.db.select().from(signingKeys).orderBy(asc(signingKeys.createdAt));
    return rows.map((r) => ({
      keyId: r.id,
      publicKey: r.publicKey,
      createdAt: r.createdAt,
      keptOutside: r.privateKey === KEPT_OUTSIDE,
    }));
  }
}

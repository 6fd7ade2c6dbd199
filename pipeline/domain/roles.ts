export const ROLES = ['operator', 'reviewer', 'regulator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling: resolved from an API token, which belongs to one person in one organisation. */
export interface Principal {
  tokenId: string;
  userId: string;
  name: string;
  role: Role;
  organisationId: string;
  organisationName: string;
  /** The region the person works in: a GB/T 2260 code prefix ('' is the whole country). */
  regionCode: string;
}

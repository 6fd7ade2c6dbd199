export const ROLES = ['operator', 'reviewer', 'regulator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling: resolved from an API token. */
export interface Principal {
  tokenId: string;
  name: string;
  role: Role;
}

import { UnauthenticatedError } from '../domain/errors.js';
import type { Principal, Role } from '../domain/roles.js';
import type { AuditRepository } from '../repositories/audit.js';
import type { TokenRepository } from '../repositories/tokens.js';

export class TokenService {
  constructor(
    private readonly tokens: TokenRepository,
    private readonly audit: AuditRepository,
  ) {}

  async create(name: string, role: Role, actor: string): Promise<{ id: string; token: string }> {
    const created = await this.tokens.create(name, role);
    await this.audit.append({ actor, action: 'token.created', subjectType: 'api_token', subjectId: created.id, detail: { name, role } });
    return created;
  }

  async authenticate(token: string): Promise<Principal> {
    const principal = await this.tokens.findActive(token);
    if (!principal) throw new UnauthenticatedError('unknown or revoked API token');
    return principal;
  }

  list() {
    return this.tokens.list();
  }

  async revoke(id: string, actor: string): Promise<boolean> {
    const revoked = await this.tokens.revoke(id);
    if (revoked) await this.audit.append({ actor, action: 'token.revoked', subjectType: 'api_token', subjectId: id });
    return revoked;
  }
}

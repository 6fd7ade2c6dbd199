import { timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Principal, Role } from '../../pipeline/domain/roles.js';
import { UnauthenticatedError } from '../../pipeline/domain/errors.js';
import { HttpProblem } from './problem.js';

interface Authenticator {
  authenticate(token: string): Promise<Principal>;
}

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
  }
}

/** MinIO's bucket notifications act for the system: they belong to no organisation. */
const WEBHOOK_PRINCIPAL: Principal = {
  tokenId: '00000000-0000-0000-0000-000000000000',
  userId: '00000000-0000-0000-0000-000000000000',
  name: 'bucket-notifications',
  role: 'operator',
  organisationId: '00000000-0000-0000-0000-000000000000',
  organisationName: 'system',
  regionCode: '',
};

export function isWebhook(principal: Principal): boolean {
  return principal === WEBHOOK_PRINCIPAL;
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * The caller of a route that needs a token. `authorize` has set it before the handler runs, so its
 * absence is a route mounted without that middleware: refused as unauthenticated, never served.
 */
export function requirePrincipal(req: Request): Principal {
  if (!req.principal) throw new UnauthenticatedError('this route needs an API token, and none was checked');
  return req.principal;
}

/** Bearer-token authentication and the route's role check, before anything else runs. */
export function authorize(roles: readonly Role[] | 'public', tokens: Authenticator, webhookToken?: string) {
  return async (req: Request, _res: Response, next: NextFunction): Promise<void> => {
    if (roles === 'public') {
      next();
      return;
    }
    const header = req.get('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) {
      throw new HttpProblem(
        401,
        'Unauthorized',
        'an API token is required: send "Authorization: Bearer <token>"',
        [{ location: 'header', path: 'authorization', message: 'missing bearer token', code: 'missing_token' }],
        {
          'WWW-Authenticate': 'Bearer realm="hazardscope"',
        },
      );
    }
    if (webhookToken && sameSecret(match[1]!, webhookToken)) {
      req.principal = WEBHOOK_PRINCIPAL;
      next();
      return;
    }
    try {
      req.principal = await tokens.authenticate(match[1]!);
    } catch (error) {
      if (error instanceof UnauthenticatedError) {
        throw new HttpProblem(
          401,
          'Unauthorized',
          error.message,
          [{ location: 'header', path: 'authorization', message: error.message, code: 'invalid_token' }],
          { 'WWW-Authenticate': 'Bearer realm="hazardscope", error="invalid_token"' },
        );
      }
      throw error;
    }
    if (!roles.includes(req.principal.role)) {
      throw new HttpProblem(
        403,
        'Forbidden',
        `role ${req.principal.role} may not call this route; it needs one of: ${roles.join(', ')}`,
      );
    }
    next();
  };
}

/**
 * hazardscope token create|list|rotate|revoke: the API tokens people sign in with.
 *
 * Directly on the database (PostgreSQL, or embedded PGlite while no server holds it: the
 * organisation's first administrator is made this way), or with --server through a running
 * server's administration API, as an administrator of one organisation.
 */
import { loadConfig } from '../../pipeline/config.js';
import { createAdminContainer } from '../../pipeline/container.js';
import { ROLES, type Role } from '../../pipeline/domain/roles.js';
import { parseDuration } from '../../pipeline/domain/tokens.js';
import { AdminClient } from './admin-client.js';

/** New tokens expire unless asked otherwise: a forgotten token should not work for ever. */
const DEFAULT_EXPIRES_IN = '365d';

export const TOKEN_USAGE = `usage:
  hazardscope token create --name NAME --role ${ROLES.join('|')} [--org NAME|ID] [--region CODE] [--expires-in 90d|12h|never]
                                  a token for a person (made on first use); --org may be left out while there is one organisation;
                                  it expires after ${DEFAULT_EXPIRES_IN} unless --expires-in says otherwise
  hazardscope token list          every token: state, expiry, last use (to the minute)
  hazardscope token rotate TOKEN_ID [--grace 1h] [--expires-in 90d|never]
                                  a new secret for the same person and role; the old one stops now, or after --grace;
                                  the new one keeps the old one's lifetime unless --expires-in says otherwise
  hazardscope token revoke TOKEN_ID
  … --server URL [--token ADMIN_TOKEN]
                                  any of these through a running server's API, as an administrator of your organisation
                                  (the token may come from HAZARDSCOPE_TOKEN instead, out of the process list)`;

/** Runs `token COMMAND [ARG]`; an unknown COMMAND prints `usage` (the whole CLI's) and returns 2. */
export async function runToken(
  command: string,
  arg: string | undefined,
  values: {
    name?: string | undefined;
    role?: string | undefined;
    org?: string | undefined;
    region?: string | undefined;
    'expires-in'?: string | undefined;
    grace?: string | undefined;
    server?: string | undefined;
  },
  usage: string,
  /** The administrator's token for --server (from --token or HAZARDSCOPE_TOKEN). */
  apiToken?: string,
): Promise<number> {
  if (!['create', 'list', 'rotate', 'revoke'].includes(command)) {
    console.log(usage);
    return 2;
  }
  // Checked before the database is opened: a typo should not wait on a connection.
  const problems: string[] = [];
  const expiresIn = durationOption('expires-in', values['expires-in'], problems);
  const grace = durationOption('grace', values.grace, problems);
  if (grace === null) problems.push('--grace must be a duration such as 15m or 1h, not "never"');
  if (command === 'create') {
    if (!values.name?.trim()) problems.push('--name is required');
    if (!ROLES.includes(values.role as Role)) problems.push(`--role must be one of ${ROLES.join(', ')}`);
  }
  if ((command === 'rotate' || command === 'revoke') && !arg) problems.push(`give the token id to ${command}`);
  if (values.server !== undefined) {
    if (!apiToken) problems.push('--server needs an administrator’s token: --token TOKEN or HAZARDSCOPE_TOKEN');
    if (values.org !== undefined) problems.push('--org does not go with --server: your token decides the organisation');
  }
  if (problems.length) {
    console.error(problems.map((p) => `error: ${p}`).join('\n'));
    return 2;
  }
  if (values.server !== undefined)
    return runOverApi(command, arg, values, new AdminClient(values.server, apiToken!), { expiresIn, grace });
  const config = loadConfig(process.env);
  const admin = await createAdminContainer(config);
  try {
    switch (command) {
      case 'create': {
        const lifetime = expiresIn === undefined ? parseDuration(DEFAULT_EXPIRES_IN)! : expiresIn;
        const created = await admin.tokens.create(
          {
            name: values.name!.trim(),
            role: values.role as Role,
            organisation: values.org,
            regionCode: values.region,
            expiresAt: lifetime === null ? null : new Date(Date.now() + lifetime * 1000),
          },
          'cli',
        );
        console.log(
          `created ${values.role} token for "${values.name}" of ${created.organisation.name}, region ${created.regionCode || 'all'} (id ${created.id}), ${expiry(created.expiresAt)}\n\n  ${created.token}\n\nIt is shown only now; store it safely.`,
        );
        return 0;
      }
      case 'list':
        for (const t of await admin.tokens.list()) {
          const state = t.revokedAt
            ? 'revoked'
            : t.expiresAt && t.expiresAt <= new Date()
              ? 'expired'
              : t.replacedBy
                ? 'grace  '
                : 'active ';
          console.log(
            `${t.id}  ${t.role.padEnd(9)}  ${state}  ${t.name}  (${t.organisation}, region ${t.regionCode || 'all'})  ${expiry(t.expiresAt)}, last used ${t.lastUsedAt?.toISOString() ?? 'never'}${t.replacedBy ? `, replaced by ${t.replacedBy}` : ''}`,
          );
        }
        return 0;
      case 'rotate': {
        const rotated = await admin.tokens.rotate(
          arg!,
          { graceSeconds: grace ?? 0, expiresInSeconds: expiresIn },
          'cli',
        );
        console.log(
          `rotated ${arg}: ${grace ? `it works until ${rotated.previous.validUntil.toISOString()}` : 'it no longer works'}\nnew token ${rotated.id}, ${expiry(rotated.expiresAt)}\n\n  ${rotated.token}\n\nIt is shown only now; store it safely.`,
        );
        return 0;
      }
      default:
        console.log((await admin.tokens.revoke(arg!, 'cli')) ? `revoked ${arg}` : `no active token ${arg}`);
        return 0;
    }
  } finally {
    await admin.close();
  }
}

interface ApiUser {
  id: string;
  name: string;
  regionCode: string;
  roles: Role[];
}

interface ApiToken {
  id: string;
  name: string;
  role: Role;
  regionCode: string;
  state: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  replacedBy: string | null;
}

/** The same commands through the administration API: what an administrator may do, and no more. */
async function runOverApi(
  command: string,
  arg: string | undefined,
  values: { name?: string | undefined; role?: string | undefined; region?: string | undefined },
  api: AdminClient,
  durations: { expiresIn: number | null | undefined; grace: number | null | undefined },
): Promise<number> {
  const { expiresIn, grace } = durations;
  switch (command) {
    case 'create': {
      const name = values.name!.trim();
      const role = values.role as Role;
      // The person is made on first use, as directly on the database; an existing one is given the role.
      const people = (await api.call<{ items: ApiUser[] }>('GET', '/admin/users')).items;
      let person = people.find((p) => p.name === name);
      if (!person)
        person = await api.call<ApiUser>('POST', '/admin/users', {
          name,
          roles: [role],
          ...(values.region === undefined ? {} : { regionCode: values.region }),
        });
      else if (!person.roles.includes(role))
        person = await api.call<ApiUser>('PUT', `/admin/users/${person.id}/roles`, { roles: [...person.roles, role] });
      const lifetime = expiresIn === undefined ? parseDuration(DEFAULT_EXPIRES_IN)! : expiresIn;
      const created = await api.call<{ id: string; token: string; expiresAt: string | null }>(
        'POST',
        `/admin/users/${person.id}/tokens`,
        { role, expiresInSeconds: lifetime },
      );
      console.log(
        `created ${role} token for "${name}", region ${person.regionCode || 'all'} (id ${created.id}), ${expiry(created.expiresAt === null ? null : new Date(created.expiresAt))}\n\n  ${created.token}\n\nIt is shown only now; store it safely.`,
      );
      return 0;
    }
    case 'list':
      for (const t of (await api.call<{ items: ApiToken[] }>('GET', '/admin/tokens')).items)
        console.log(
          `${t.id}  ${t.role.padEnd(9)}  ${t.state.padEnd(7)}  ${t.name}  (region ${t.regionCode || 'all'})  ${expiry(t.expiresAt === null ? null : new Date(t.expiresAt))}, last used ${t.lastUsedAt ?? 'never'}${t.replacedBy ? `, replaced by ${t.replacedBy}` : ''}`,
        );
      return 0;
    case 'rotate': {
      const rotated = await api.call<{
        id: string;
        token: string;
        expiresAt: string | null;
        previous: { validUntil: string };
      }>('POST', `/admin/tokens/${arg}/rotate`, {
        graceSeconds: grace ?? 0,
        ...(expiresIn === undefined ? {} : { expiresInSeconds: expiresIn }),
      });
      console.log(
        `rotated ${arg}: ${grace ? `it works until ${rotated.previous.validUntil}` : 'it no longer works'}\nnew token ${rotated.id}, ${expiry(rotated.expiresAt === null ? null : new Date(rotated.expiresAt))}\n\n  ${rotated.token}\n\nIt is shown only now; store it safely.`,
      );
      return 0;
    }
    default: {
      const revoked = await api.call<{ alreadyRevoked: boolean }>('POST', `/admin/tokens/${arg}/revoke`);
      console.log(revoked.alreadyRevoked ? `no active token ${arg}` : `revoked ${arg}`);
      return 0;
    }
  }
}

function durationOption(name: string, text: string | undefined, problems: string[]): number | null | undefined {
  if (text === undefined) return undefined;
  const seconds = parseDuration(text);
  if (seconds === undefined)
    problems.push(
      `--${name} must be a number and a unit (s, m, h, d, w, y) such as 90d or 12h, or never; not "${text}"`,
    );
  return seconds;
}

function expiry(at: Date | null): string {
  return at ? `expires ${at.toISOString()}` : 'never expires';
}

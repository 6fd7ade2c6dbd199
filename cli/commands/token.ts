/**
 * hazardscope token create|list|revoke: the API tokens people sign in with.
 *
 * With embedded PGlite (no DATABASE_URL), run these while the server is stopped: PGlite belongs to
 * one process at a time.
 */
import { loadConfig } from '../../pipeline/config.js';
import { createAdminContainer } from '../../pipeline/container.js';
import { ROLES, type Role } from '../../pipeline/domain/roles.js';

export const TOKEN_USAGE = `usage:
  hazardscope token create --name NAME --role ${ROLES.join('|')} [--org NAME|ID] [--region CODE]
                                  a token for a person (made on first use); --org may be left out while there is one organisation
  hazardscope token list
  hazardscope token revoke TOKEN_ID`;

/** Runs `token COMMAND [ARG]`; an unknown COMMAND prints `usage` (the whole CLI's) and returns 2. */
export async function runToken(
  command: string,
  arg: string | undefined,
  values: {
    name?: string | undefined;
    role?: string | undefined;
    org?: string | undefined;
    region?: string | undefined;
  },
  usage: string,
): Promise<number> {
  const config = loadConfig(process.env);
  const admin = await createAdminContainer(config);
  try {
    switch (command) {
      case 'create': {
        const problems: string[] = [];
        if (!values.name?.trim()) problems.push('--name is required');
        if (!ROLES.includes(values.role as Role)) problems.push(`--role must be one of ${ROLES.join(', ')}`);
        if (problems.length) {
          console.error(problems.map((p) => `error: ${p}`).join('\n'));
          return 2;
        }
        const created = await admin.tokens.create(
          { name: values.name!.trim(), role: values.role as Role, organisation: values.org, regionCode: values.region },
          'cli',
        );
        console.log(
          `created ${values.role} token for "${values.name}" of ${created.organisation.name}, region ${created.regionCode || 'all'} (id ${created.id})\n\n  ${created.token}\n\nIt is shown only now; store it safely.`,
        );
        return 0;
      }
      case 'list':
        for (const t of await admin.tokens.list())
          console.log(
            `${t.id}  ${t.role.padEnd(9)}  ${t.revokedAt ? 'revoked' : 'active '}  ${t.name}  (${t.organisation}, region ${t.regionCode || 'all'})`,
          );
        return 0;
      case 'revoke':
        if (!arg) {
          console.error('error: give the token id to revoke');
          return 2;
        }
        console.log((await admin.tokens.revoke(arg, 'cli')) ? `revoked ${arg}` : `no active token ${arg}`);
        return 0;
      default:
        console.log(usage);
        return 2;
    }
  } finally {
    await admin.close();
  }
}

/**
 * hazardscope: administration from the shell.
 *
 *   npm run hazardscope -- token create --name alice --role reviewer
 *   npm run hazardscope -- token list
 *   npm run hazardscope -- token revoke <id>
 *   npm run hazardscope -- audit verify
 *   npm run hazardscope -- detect <image|folder> [--model DIR] [--no-tile] [--json] [--annotate DIR]
 *
 * With embedded PGlite (no DATABASE_URL), run token commands while the server is stopped: PGlite
 * belongs to one process at a time.
 */
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../pipeline/config.js';
import { createAdminContainer } from '../pipeline/container.js';
import { ROLES, type Role } from '../pipeline/domain/roles.js';
import { DETECT_USAGE, runDetect } from './detect-command.js';

const USAGE = `usage:
  hazardscope token create --name NAME --role ${ROLES.join('|')}
  hazardscope token list
  hazardscope token revoke TOKEN_ID
  hazardscope audit verify        check the audit trail's hash chain; exit 1 at the first broken entry
${DETECT_USAGE.replace(/^usage:\n/, '')}`;

async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'detect') return runDetect(argv.slice(1), loadConfig(process.env).MODEL_DIR);
  const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, options: { name: { type: 'string' }, role: { type: 'string' }, help: { type: 'boolean' } } });
  const [group, command, arg] = positionals;
  if (group === 'audit' && command === 'verify') return verifyAudit();
  if (values.help || group !== 'token' || !command) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
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
        const { id, token } = await admin.tokens.create(values.name!.trim(), values.role as Role, 'cli');
        console.log(`created ${values.role} token "${values.name}" (id ${id})\n\n  ${token}\n\nIt is shown only now; store it safely.`);
        return 0;
      }
      case 'list':
        for (const t of await admin.tokens.list()) console.log(`${t.id}  ${t.role.padEnd(9)}  ${t.revokedAt ? 'revoked' : 'active '}  ${t.name}`);
        return 0;
      case 'revoke':
        if (!arg) {
          console.error('error: give the token id to revoke');
          return 2;
        }
        console.log((await admin.tokens.revoke(arg, 'cli')) ? `revoked ${arg}` : `no active token ${arg}`);
        return 0;
      default:
        console.log(USAGE);
        return 2;
    }
  } finally {
    await admin.close();
  }
}

async function verifyAudit(): Promise<number> {
  const admin = await createAdminContainer(loadConfig(process.env));
  try {
    const { verdict, unchained, headHash } = await admin.audit.verify();
    const before = unchained ? ` (${unchained} entries precede the chain and are not covered)` : '';
    if (verdict.ok) {
      console.log(`audit trail intact: ${verdict.entries} chained entries, head ${headHash}${before}`);
      return 0;
    }
    console.error(`audit trail broken at position ${verdict.position} (entry id ${verdict.entryId}): ${verdict.problem}${before}`);
    return 1;
  } finally {
    await admin.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof ConfigError ? error.message : error);
    process.exit(1);
  },
);

/**
 * hazardscope: administration from the shell.
 *
 *   npm run hazardscope -- org create --name "Zhengzhou EMB" --region 4101
 *   npm run hazardscope -- org list
 *   npm run hazardscope -- token create --name alice --role reviewer [--org NAME|ID] [--region 410105] [--expires-in 90d]
 *   npm run hazardscope -- token list
 *   npm run hazardscope -- token rotate <id> [--grace 1h] [--expires-in 90d]
 *   npm run hazardscope -- token revoke <id>
 *   npm run hazardscope -- token create|list|rotate|revoke … --server URL [--token ADMIN_TOKEN]
 *   npm run hazardscope -- audit verify [--checkpoints DIR] | checkpoint | export-checkpoints DIR
 *   npm run hazardscope -- verify-evidence HS-000123-evidence.zip [--key-id HEX]
 *   npm run hazardscope -- detect <image|folder> [--model DIR] [--no-tile] [--json] [--annotate DIR]
 *   npm run hazardscope -- export-training --since 2025-03-01 --out DIR [--org NAME]
 *   npm run hazardscope -- model evaluate|activate|list [--model DIR]
 *   npm run hazardscope -- upload DIR [--flight ID | --name NAME] [--site NAME] [--concurrency 4]
 *
 * With embedded PGlite (no DATABASE_URL) a running server holds the database, and commands that
 * open it refuse, saying so: tokens are then managed through the server (`token … --server URL`, or
 * the web app's Users and tokens page).
 *
 * Each command group lives in cli/commands/; this file only dispatches to them.
 */
import { parseArgs } from 'node:util';
import { ConfigError, loadClientConfig, loadConfig } from '../pipeline/config.js';
import { DatabaseInUseError } from '../pipeline/db/data-dir-lock.js';
import { DomainError } from '../pipeline/domain/errors.js';
import { AdminApiError } from './commands/admin-client.js';
import { AUDIT_USAGE, runAudit } from './commands/audit.js';
import { DETECT_USAGE, runDetect } from './commands/detect.js';
import { EXPORT_TRAINING_USAGE, runExportTraining } from './commands/export-training.js';
import { MODEL_USAGE, runModel } from './commands/model.js';
import { isOrgCommand, ORG_USAGE, runOrg } from './commands/org.js';
import { runToken, TOKEN_USAGE } from './commands/token.js';
import { runUpload, UPLOAD_USAGE } from './commands/upload.js';
import { runVerifyEvidence, VERIFY_USAGE } from './commands/verify-evidence.js';

const USAGE = `usage:
${[ORG_USAGE, TOKEN_USAGE, AUDIT_USAGE, VERIFY_USAGE, DETECT_USAGE, EXPORT_TRAINING_USAGE, MODEL_USAGE, UPLOAD_USAGE].map((u) => u.replace(/^usage:\n/, '')).join('\n')}`;

async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'detect') return runDetect(argv.slice(1), loadConfig(process.env).MODEL_DIR);
  if (argv[0] === 'verify-evidence') return runVerifyEvidence(argv.slice(1));
  if (argv[0] === 'export-training') return runExportTraining(argv.slice(1));
  if (argv[0] === 'model') return runModel(argv.slice(1));
  if (argv[0] === 'audit') return runAudit(argv.slice(1));
  if (argv[0] === 'upload') return runUpload(argv.slice(1), loadClientConfig(process.env));
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      role: { type: 'string' },
      org: { type: 'string' },
      region: { type: 'string' },
      'expires-in': { type: 'string' },
      grace: { type: 'string' },
      server: { type: 'string' },
      token: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  const [group, command, arg] = positionals;
  if (group === 'org' && values.server !== undefined) {
    console.error(
      'error: organisations are made and moved with direct database access, not through a server: run `hazardscope org …` with DATABASE_URL, or on the embedded database while the server is stopped',
    );
    return 2;
  }
  if (group === 'org' && isOrgCommand(command)) return runOrg(command, values);
  if (values.help || group !== 'token' || !command) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  const apiToken =
    values.server === undefined ? undefined : (values.token ?? loadClientConfig(process.env).HAZARDSCOPE_TOKEN);
  return runToken(command, arg, values, USAGE, apiToken);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    // A refused request (an unknown organisation, a region outside it) is the caller's to fix.
    if (error instanceof DomainError || error instanceof AdminApiError) {
      console.error(`error: ${error.message}`);
      process.exit(2);
    }
    if (error instanceof DatabaseInUseError) {
      console.error(`error: ${error.message}\n\n${serverHint(error.owner.url)}`);
      process.exit(3);
    }
    console.error(error instanceof ConfigError ? error.message : error);
    process.exit(1);
  },
);

/**
 * What to do instead when a server holds the embedded database. Opening it anyway is what made a
 * token created beside a running server vanish (401): PGlite serves one process at a time.
 */
function serverHint(url: string | undefined): string {
  const server = url ?? 'URL';
  return [
    'Stop that process first, or manage people and tokens through the running server:',
    `  - in the web app (${url ?? 'the server’s address'}), as an administrator: Users and tokens`,
    `  - hazardscope token create|list|rotate|revoke … --server ${server} --token ADMIN_TOKEN (or HAZARDSCOPE_TOKEN)`,
    'With PostgreSQL (DATABASE_URL) the server and these commands can share the database.',
  ].join('\n');
}

/**
 * hazardscope: administration from the shell.
 *
 *   npm run hazardscope -- org create --name "Zhengzhou EMB" --region 4101
 *   npm run hazardscope -- org list
 *   npm run hazardscope -- token create --name alice --role reviewer [--org NAME|ID] [--region 410105] [--expires-in 90d]
 *   npm run hazardscope -- token list
 *   npm run hazardscope -- token rotate <id> [--grace 1h] [--expires-in 90d]
 *   npm run hazardscope -- token revoke <id>
 *   npm run hazardscope -- audit verify [--checkpoints DIR] | checkpoint | export-checkpoints DIR
 *   npm run hazardscope -- verify-evidence HS-000123-evidence.zip [--key-id HEX]
 *   npm run hazardscope -- detect <image|folder> [--model DIR] [--no-tile] [--json] [--annotate DIR]
 *   npm run hazardscope -- export-training --since 2025-03-01 --out DIR [--org NAME]
 *   npm run hazardscope -- model evaluate|activate|list [--model DIR]
 *
 * With embedded PGlite (no DATABASE_URL), run token commands while the server is stopped: PGlite
 * belongs to one process at a time.
 *
 * Each command group lives in cli/commands/; this file only dispatches to them.
 */
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../pipeline/config.js';
import { DomainError } from '../pipeline/domain/errors.js';
import { AUDIT_USAGE, runAudit } from './commands/audit.js';
import { DETECT_USAGE, runDetect } from './commands/detect.js';
import { EXPORT_TRAINING_USAGE, runExportTraining } from './commands/export-training.js';
import { MODEL_USAGE, runModel } from './commands/model.js';
import { isOrgCommand, ORG_USAGE, runOrg } from './commands/org.js';
import { runToken, TOKEN_USAGE } from './commands/token.js';
import { runVerifyEvidence, VERIFY_USAGE } from './commands/verify-evidence.js';

const USAGE = `usage:
${[ORG_USAGE, TOKEN_USAGE, AUDIT_USAGE, VERIFY_USAGE, DETECT_USAGE, EXPORT_TRAINING_USAGE, MODEL_USAGE].map((u) => u.replace(/^usage:\n/, '')).join('\n')}`;

async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'detect') return runDetect(argv.slice(1), loadConfig(process.env).MODEL_DIR);
  if (argv[0] === 'verify-evidence') return runVerifyEvidence(argv.slice(1));
  if (argv[0] === 'export-training') return runExportTraining(argv.slice(1));
  if (argv[0] === 'model') return runModel(argv.slice(1));
  if (argv[0] === 'audit') return runAudit(argv.slice(1));
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
      help: { type: 'boolean' },
    },
  });
  const [group, command, arg] = positionals;
  if (group === 'org' && isOrgCommand(command)) return runOrg(command, values);
  if (values.help || group !== 'token' || !command) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  return runToken(command, arg, values, USAGE);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    // A refused request (an unknown organisation, a region outside it) is the caller's to fix.
    if (error instanceof DomainError) {
      console.error(`error: ${error.message}`);
      process.exit(2);
    }
    console.error(error instanceof ConfigError ? error.message : error);
    process.exit(1);
  },
);

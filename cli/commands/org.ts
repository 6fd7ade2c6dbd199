/**
 * hazardscope org create|list|adopt-default: organisations (bureaux) and their jurisdictions.
 */
import { loadConfig } from '../../pipeline/config.js';
import { createAdminContainer } from '../../pipeline/container.js';

export const ORG_USAGE = `usage:
  hazardscope org create --name NAME --region CODE   an organisation (bureau) and its jurisdiction (2/4/6-digit region code, "" for the whole country)
  hazardscope org list
  hazardscope org adopt-default --org NAME|ID   move what existed before organisations (the default one) into NAME
                                  (on the database directly: with embedded PGlite, before the server starts)`;

type OrgCommand = 'create' | 'list' | 'adopt-default';

export function isOrgCommand(command: string | undefined): command is OrgCommand {
  return command === 'create' || command === 'list' || command === 'adopt-default';
}

export async function runOrg(
  command: OrgCommand,
  values: { name?: string | undefined; region?: string | undefined; org?: string | undefined },
): Promise<number> {
  if (command === 'adopt-default' && !values.org) {
    console.error('error: --org is required: the organisation to move the default organisation’s records into');
    return 2;
  }
  if (command === 'create') {
    const problems: string[] = [];
    if (!values.name?.trim()) problems.push('--name is required');
    if (values.region === undefined)
      problems.push('--region is required (a 2-, 4- or 6-digit region code, or "" for the whole country)');
    if (problems.length) {
      console.error(problems.map((p) => `error: ${p}`).join('\n'));
      return 2;
    }
  }
  const admin = await createAdminContainer(loadConfig(process.env));
  try {
    if (command === 'create') {
      const org = await admin.tokens.createOrganisation(values.name!.trim(), values.region!, 'cli');
      console.log(`created organisation "${org.name}" (id ${org.id}), region ${org.regionCode || 'all'}`);
    } else if (command === 'adopt-default') {
      const { organisation, moved } = await admin.tokens.adoptDefault(values.org!, 'cli');
      console.log(
        `moved into "${organisation.name}": ${Object.entries(moved)
          .map(([k, n]) => `${n} ${k}`)
          .join(', ')}`,
      );
    } else {
      for (const o of await admin.tokens.listOrganisations())
        console.log(`${o.id}  ${(o.regionCode || 'all').padEnd(6)}  ${o.name}`);
    }
    return 0;
  } finally {
    await admin.close();
  }
}

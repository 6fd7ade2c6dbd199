import { createHash, randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES, type Role } from '../../pipeline/domain/roles.js';
import { readZip } from '../../pipeline/evidence/zip.js';
import { creditCode, demoSiteFeature, smallPhoto, squareSite } from '../factories.js';
import { flyDemoPhotos, POSTGRES_URL, startTestApi, type TestApi } from './harness.js';

/**
 * The authorisation matrix: every route of the served API document × every role × objects of the
 * caller's own organisation and region, of another organisation, and of another region of the same
 * organisation. The callers are all of organisation A in city 4101.
 *
 * Besides the status, every 2xx answer is searched for the ids of the other organisation's and the
 * other region's objects (JSON, CSV and the files of an evidence ZIP), and every answer about a
 * foreign object is compared with the answer for random ids in its place: a 404 that said more than
 * "no such thing" would reveal the object too.
 */

type Scope = 'own' | 'otherOrganisation' | 'otherRegion';
const SCOPES: readonly Scope[] = ['own', 'otherOrganisation', 'otherRegion'];
const CALLER_REGION = '4101';
const OWN_COUNTY = '410105';
const OTHER_COUNTY = '410202';
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

const ALL: readonly Role[] = ['operator', 'reviewer', 'regulator', 'admin'];
const UPLOADERS: readonly Role[] = ['operator', 'admin'];
const CASE_READERS: readonly Role[] = ['regulator', 'reviewer', 'admin'];
const SITE_READERS: readonly Role[] = ['reviewer', 'regulator', 'admin'];

interface Answer {
  status: number;
  body: any;
  headers: Headers;
  /** The answer as text, where it is text, JSON or a ZIP of such (to look for ids in). */
  text: string | undefined;
}

/** One call of the matrix, under /api/v1 and with its ids filled in. */
interface Probe {
  path: string;
  body?: unknown;
  raw?: Buffer;
  contentType?: string;
  /** What an allowed role gets: by default 2xx on own objects and 404 on anyone else's (2xx for lists). */
  status?: number | '2xx';
  /** What a 2xx answer must show: a problem, or undefined when it is right. */
  check?: (answer: Answer) => string | undefined | Promise<string | undefined>;
}

/** `allowed` lets a fixture spend a fresh object only on calls that can act on it (403 ones cannot). */
type ProbeFor = (role: Role, allowed: boolean) => Probe | Promise<Probe>;
interface NotApplicable {
  na: string;
}

interface RouteFixture {
  /** The roles the route is meant for; the served document must declare exactly these. */
  roles: readonly Role[] | 'public';
  /** Lists, queues, summaries, exports and lookups: no object id in the path, the answer is a selection. */
  list?: boolean;
  own: ProbeFor;
  otherOrganisation: ProbeFor | NotApplicable;
  otherRegion: ProbeFor | NotApplicable;
}

interface Operation {
  method: string;
  path: string;
  roles: readonly Role[] | 'public';
}

interface FindingItem {
  id: string;
  status: string;
  siteId: string | null;
  regionCode: string;
  views: Array<{ detection: { id: string; imageId: string } }>;
}

/** The objects of one scope. */
interface Side {
  flightId: string;
  /** Still open, so uploads to it could succeed were it the caller's. */
  openFlightId: string;
  imageId: string;
  objectKey: string;
  imageIds: string[];
  findings: FindingItem[];
  /** Pending, never decided: what a lease or a decision would act on. */
  pending: FindingItem;
  siteId: string;
  caseId: string;
  attachmentId: string;
  missedId: string;
}

interface OwnSide extends Side {
  /** Notified, so a regulator can move it on to rectification_due. */
  notifiedCaseId: string;
  /** Pending findings no fixture holds: each decision takes one. */
  spare: FindingItem[];
}

const key = (o: { method: string; path: string }) => `${o.method.toUpperCase()} ${o.path}`;
const bestView = (f: FindingItem) => f.views[0]!.detection.id;
const holds =
  (...ids: string[]) =>
  (a: Answer) => {
    const missing = ids.filter((id) => !a.text?.includes(id));
    return missing.length ? `the answer lacks own objects ${missing.join(', ')}` : undefined;
  };
const is2xx = (status: number) => status >= 200 && status < 300;

function textOf(body: unknown, headers: Headers): string | undefined {
  const type = headers.get('content-type') ?? '';
  if (type.includes('json')) return JSON.stringify(body);
  if (!Buffer.isBuffer(body)) return undefined;
  if (type.startsWith('text/')) return body.toString('utf8');
  if (type.startsWith('application/zip'))
    return readZip(body)
      .files.map((f) => f.data.toString('latin1'))
      .join('\n');
  return undefined;
}

describe('authorisation matrix', () => {
  let t: TestApi;
  let db: pg.Client;
  let operations: Operation[];
  let fixtures: Record<string, RouteFixture>;
  let own: OwnSide;
  const callers = {} as Record<Role, string>;
  /** Everything of organisation B and of the other region: none of it may show in an answer to A's callers. */
  const foreignIds = new Set<string>();

  beforeAll(async () => {
    t = await startTestApi();
    db = new pg.Client({ connectionString: POSTGRES_URL });
    await db.connect();
    const must = async (what: string, res: Promise<{ status: number; body: any }>, status: number) => {
      const r = await res;
      if (r.status !== status) throw new Error(`${what} answered ${r.status}: ${JSON.stringify(r.body)}`);
      return r.body;
    };

    // The harness's own role tokens work for the whole country: they stand in for the organisation's
    // head office, which sets up the other region's objects.
    const head = t.tokens;
    for (const role of ROLES) callers[role] = await t.token({ name: `a-${role}`, role, regionCode: CALLER_REGION });
    const orgB = await t.api.container.services.tokens.createOrganisation(
      `Other organisation ${t.schema}`,
      '41',
      'test',
    );
    const b = {} as Record<Role, string>;
    // Organisation B works in the very same city: only the organisation tells its objects apart.
    for (const role of ROLES)
      b[role] = await t.token({ name: `b-${role}`, role, organisation: orgB.id, regionCode: CALLER_REGION });

    const { origin } = await demoSiteFeature(0);
    const addSite = async (token: string, n: number, regionCode: string, sizeDeg: number) =>
      (
        await must(
          `registering site ${n}`,
          t.request('POST', '/api/v1/sites', {
            token,
            body: {
              type: 'Feature',
              properties: {
                name: `Site ${n}`,
                creditCode: await creditCode(n),
                industry: 'chemicals',
                regionCode,
                contact: {},
              },
              geometry: squareSite(origin.lon - sizeDeg / 2, origin.lat - sizeDeg / 2, sizeDeg),
            },
          }),
          201,
        )
      ).id as string;

    /*
     * Every demo photo shows the same yard, so all three sites lie around it, and attribution (the
     * smallest outline of the flight's organisation) decides whose they are. The other region's site
     * (410202) is larger than the own one (410105) and its flight is merged before the own site
     * exists, so its findings and case honestly lie in 410202; later own flights fall into the own,
     * smaller outline. No region_code has to be moved by hand. Organisation B's site is larger still,
     * so there are points only B's outline holds (for the attribution lookup).
     */
    const otherRegionSite = await addSite(head.admin, 601, OTHER_COUNTY, 0.006);
    const orgBSite = await addSite(b.admin, 602, OWN_COUNTY, 0.01);
    const [otherRegionFlight, orgBFlight] = await Promise.all([
      flyDemoPhotos(t, 'other region', ['DJI_0011.JPG'], { token: head.operator, regionCode: OTHER_COUNTY }),
      flyDemoPhotos(t, 'other organisation', ['DJI_0004.JPG'], { token: b.operator }),
    ]);
    const ownSite = await addSite(callers.admin, 603, OWN_COUNTY, 0.004);
    const ownFlight = await flyDemoPhotos(t, 'own', ['DJI_0004.JPG', 'DJI_0005.JPG'], { token: callers.operator });

    const pdf = (what: string) => Buffer.from(`%PDF-1.4\n% ${what}\n`);
    const build = async (
      flight: { flightId: string; findings: FindingItem[] },
      siteId: string,
      tokens: { operator: string; reviewer: string; regulator: string },
      openRegion: string | undefined,
      region: string,
    ): Promise<Side> => {
      const findings = flight.findings;
      const wrong = findings.filter((f) => f.siteId !== siteId || f.regionCode !== region);
      if (wrong.length)
        throw new Error(
          `findings of ${flight.flightId} are not all at site ${siteId} in ${region}: ${JSON.stringify(wrong.map((f) => [f.siteId, f.regionCode]))}`,
        );
      const images = (
        await must(
          'listing images',
          t.request('GET', `/api/v1/flights/${flight.flightId}/images`, { token: tokens.operator }),
          200,
        )
      ).items as Array<{ id: string; objectKey: string }>;
      const confirmed = findings[0]!;
      const decided = await must(
        'confirming a finding',
        t.request('POST', `/api/v1/findings/${confirmed.id}/decision`, {
          token: tokens.reviewer,
          body: { decision: 'confirm' },
        }),
        201,
      );
      const caseId = decided.case.id as string;
      const attachment = await must(
        'attaching a file',
        t.request('PUT', `/api/v1/cases/${caseId}/attachments/statement.pdf`, {
          token: tokens.regulator,
          raw: pdf(caseId),
          contentType: 'application/pdf',
        }),
        201,
      );
      const imageId = confirmed.views[0]!.detection.imageId;
      const missed = await must(
        'marking a missed hazard',
        t.request('POST', `/api/v1/images/${imageId}/missed-hazards`, {
          token: tokens.reviewer,
          body: { className: 'no_helmet', box: [100, 120, 180, 240] },
        }),
        201,
      );
      const open = await must(
        'creating an open flight',
        t.request('POST', '/api/v1/flights', {
          token: tokens.operator,
          body: { name: 'left open', ...(openRegion ? { regionCode: openRegion } : {}) },
        }),
        201,
      );
      return {
        flightId: flight.flightId,
        openFlightId: open.id,
        imageId,
        objectKey: images.find((i) => i.id === imageId)!.objectKey,
        imageIds: images.map((i) => i.id),
        findings,
        pending: findings.at(-1)!,
        siteId,
        caseId,
        attachmentId: attachment.id,
        missedId: missed.id,
      };
    };

    const otherRegion = await build(
      otherRegionFlight,
      otherRegionSite,
      { operator: head.operator, reviewer: head.reviewer, regulator: head.regulator },
      OTHER_COUNTY,
      OTHER_COUNTY,
    );
    const otherOrganisation = await build(orgBFlight, orgBSite, b, undefined, OWN_COUNTY);
    for (const side of [otherRegion, otherOrganisation]) {
      if (side.findings.length < 2)
        throw new Error(
          `flight ${side.flightId} has ${side.findings.length} finding(s); a pending one is needed besides the confirmed one`,
        );
      for (const id of [
        side.flightId,
        side.openFlightId,
        side.siteId,
        side.caseId,
        side.attachmentId,
        side.missedId,
        ...side.imageIds,
      ])
        foreignIds.add(id);
      for (const f of side.findings) {
        foreignIds.add(f.id);
        for (const v of f.views) foreignIds.add(v.detection.id);
      }
    }

    // Own: a first case is notified, so the next confirmation opens a second one that stays filed.
    const ownFindings = [...ownFlight.findings];
    const ownBuilt = await build(
      { flightId: ownFlight.flightId, findings: ownFindings },
      ownSite,
      callers,
      undefined,
      OWN_COUNTY,
    );
    const notifiedCaseId = ownBuilt.caseId;
    await must(
      'notifying the first own case',
      t.request('POST', `/api/v1/cases/${notifiedCaseId}/transitions`, {
        token: callers.regulator,
        body: { to: 'notified' },
      }),
      200,
    );
    const second = await must(
      'confirming a second own finding',
      t.request('POST', `/api/v1/findings/${ownFindings[1]!.id}/decision`, {
        token: callers.reviewer,
        body: { decision: 'confirm' },
      }),
      201,
    );
    if (second.joinedCase) throw new Error('the second own finding joined the notified case instead of opening one');
    const filedCaseId = second.case.id as string;
    const attachment = await must(
      'attaching a file to the filed own case',
      t.request('PUT', `/api/v1/cases/${filedCaseId}/attachments/statement.pdf`, {
        token: callers.regulator,
        raw: pdf(filedCaseId),
        contentType: 'application/pdf',
      }),
      201,
    );
    const spare = ownFindings.slice(2, -1);
    if (spare.length < 2)
      throw new Error(`the own flight has ${ownFindings.length} findings; the matrix needs at least 5`);
    own = { ...ownBuilt, caseId: filedCaseId, attachmentId: attachment.id, notifiedCaseId, spare };
    // What the summary must count, straight from the table: the route's own query is what is tested.
    const ownCaseCount = async () =>
      Number(
        (
          await db.query(
            `SELECT count(*) FROM "${t.schema}".cases WHERE organisation_id = $1 AND region_code LIKE $2`,
            [t.organisationId, `${CALLER_REGION}%`],
          )
        ).rows[0].count,
      );
    // Organisation B switches off a class for itself: organisation A's callers must neither see that nor be affected.
    const model = t.api.container.model.name;
    const modelClass = t.api.container.model.classes.find((c) => c.hazardCode !== null)!.name;
    const orgBClassNote = `switched off by organisation B ${t.schema}`;
    await must(
      'organisation B disabling a class',
      t.request('PUT', `/api/v1/models/${model}/classes/${modelClass}`, {
        token: b.admin,
        body: { enabled: false, note: orgBClassNote },
      }),
      200,
    );
    const orgBClassEnabled = async () =>
      (
        await db.query(
          `SELECT enabled FROM "${t.schema}".class_settings WHERE organisation_id = $1 AND model_name = $2 AND class_name = $3`,
          [orgB.id, model, modelClass],
        )
      ).rows[0]?.enabled as boolean | undefined;
    fixtures = matrix(
      { own, otherOrganisation, otherRegion },
      {
        origin,
        ownCaseCount,
        modelClass: { model, name: modelClass, orgBNote: orgBClassNote, orgBEnabled: orgBClassEnabled },
      },
    );

    const document = (await t.request('GET', '/api/v1/openapi.json', { token: null })).body as {
      paths: Record<string, Record<string, { 'x-roles': readonly Role[] | 'public' }>>;
    };
    operations = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({ method, path, roles: op['x-roles'] })),
    );
  }, 600_000);
  afterAll(async () => {
    await db?.end();
    await t?.close();
  });

  /** The fixtures of every route, keyed "METHOD /api/v1/path/{param}" as the served document names them. */
  function matrix(
    s: { own: OwnSide; otherOrganisation: Side; otherRegion: Side },
    env: {
      origin: { lat: number; lon: number };
      ownCaseCount: () => Promise<number>;
      modelClass: { model: string; name: string; orgBNote: string; orgBEnabled: () => Promise<boolean | undefined> };
    },
  ): Record<string, RouteFixture> {
    const each = (make: (side: Side, scope: Scope, role: Role, allowed: boolean) => Probe | Promise<Probe>) => ({
      own: (role: Role, allowed: boolean) => make(s.own, 'own', role, allowed),
      otherOrganisation: (role: Role, allowed: boolean) =>
        make(s.otherOrganisation, 'otherOrganisation', role, allowed),
      otherRegion: (role: Role, allowed: boolean) => make(s.otherRegion, 'otherRegion', role, allowed),
    });
    const aboutCaller = { na: 'the answer is about the caller or the system, not about any object' };
    const createdInOwnOrganisation = {
      na: 'what is created always belongs to the caller’s organisation: the body cannot name another (the own probe checks where it went)',
    };
    const publicRoute = (path: string): RouteFixture => ({
      roles: 'public',
      own: () => ({ path }),
      otherOrganisation: aboutCaller,
      otherRegion: aboutCaller,
    });
    const take = (allowed: boolean) => {
      // A call refused for its role decides nothing, so it need not use up a finding.
      if (!allowed) return s.own.pending;
      const f = s.own.spare.shift();
      if (!f) throw new Error('the own flight ran out of pending findings for the decisions of the matrix');
      return f;
    };
    const freshFlight = async (allowed: boolean) => {
      if (!allowed) return s.own.openFlightId;
      const res = await t.request('POST', '/api/v1/flights', {
        token: callers.operator,
        body: { name: 'to complete' },
      });
      return res.body.id as string;
    };
    const upload = smallPhoto('DJI_0001.JPG', 320);
    let siteNumber = 700;
    const siteFeature = async (regionCode: string) => ({
      type: 'Feature',
      properties: {
        name: `Registered by the matrix ${siteNumber}`,
        creditCode: await creditCode(siteNumber++),
        industry: 'logistics',
        regionCode,
      },
      // Far from the demo yard, so no attribution changes.
      geometry: squareSite(env.origin.lon + 1, env.origin.lat + 1, 0.001),
    });
    const s3Event = (objectKey: string) => ({
      Records: [
        {
          eventName: 's3:ObjectCreated:Put',
          s3: { bucket: { name: t.api.container.storage.settings.originalsBucket }, object: { key: objectKey } },
        },
      ],
    });
    const ownOrganisation = (a: Answer) =>
      a.body.organisationId === t.organisationId ? undefined : `created in organisation ${a.body.organisationId}`;
    // Sites do not show their organisation: the database does.
    const sitesInOwnOrganisation = async (a: Answer) => {
      const ids: string[] = a.body.ids ?? [a.body.id];
      const { rows } = await db.query(
        `SELECT id FROM "${t.schema}".sites WHERE id = ANY($1::uuid[]) AND organisation_id <> $2`,
        [ids, t.organisationId],
      );
      return rows.length ? `sites ${rows.map((r) => r.id).join(', ')} went to another organisation` : undefined;
    };
    /** People and tokens of the administration routes: a fresh person (and token) per probe, where the scope says. */
    const personIn = async (scope: Scope) => {
      const organisation =
        scope === 'otherOrganisation'
          ? ((
              await db.query(`SELECT id FROM "${t.schema}".organisations WHERE name = $1`, [
                `Other organisation ${t.schema}`,
              ])
            ).rows[0].id as string)
          : t.organisationId;
      return t.api.container.services.tokens.create(
        {
          name: `person ${randomUUID()}`,
          role: 'operator',
          organisation,
          regionCode: scope === 'otherRegion' ? OTHER_COUNTY : OWN_COUNTY,
        },
        'test',
      );
    };
    /** Every person (or token holder) a list shows belongs to organisation A and lies within the caller's region. */
    const peopleInReach = async (a: Answer) => {
      const ids = (a.body.items as Array<{ id: string; userId?: string }>).map((i) => i.userId ?? i.id);
      const { rows } = await db.query(
        `SELECT id FROM "${t.schema}".users WHERE id = ANY($1::uuid[]) AND (organisation_id <> $2 OR region_code NOT LIKE $3)`,
        [ids, t.organisationId, `${CALLER_REGION}%`],
      );
      return rows.length ? `lists people out of reach: ${rows.map((r) => r.id).join(', ')}` : undefined;
    };
    const adminUserFixtures = (): Record<string, RouteFixture> => ({
      'GET /api/v1/admin/users': {
        roles: ['admin'],
        list: true,
        ...each(() => ({ path: '/api/v1/admin/users', check: peopleInReach })),
      },
      'POST /api/v1/admin/users': {
        roles: ['admin'],
        own: () => ({
          path: '/api/v1/admin/users',
          body: { name: `new ${randomUUID()}`, roles: ['operator'], regionCode: OWN_COUNTY },
        }),
        otherOrganisation: createdInOwnOrganisation,
        otherRegion: () => ({
          path: '/api/v1/admin/users',
          body: { name: `far ${randomUUID()}`, roles: ['operator'], regionCode: OTHER_COUNTY },
          status: 422,
        }),
      },
      'PUT /api/v1/admin/users/{userId}/roles': {
        roles: ['admin'],
        ...each(async (_side, scope) => ({
          path: `/api/v1/admin/users/${(await personIn(scope)).userId}/roles`,
          body: { roles: ['operator', 'reviewer'] },
        })),
      },
      'POST /api/v1/admin/users/{userId}/tokens': {
        roles: ['admin'],
        ...each(async (_side, scope) => ({
          path: `/api/v1/admin/users/${(await personIn(scope)).userId}/tokens`,
          body: { role: 'operator' },
        })),
      },
      'GET /api/v1/admin/tokens': {
        roles: ['admin'],
        list: true,
        ...each(() => ({ path: '/api/v1/admin/tokens', check: peopleInReach })),
      },
      'POST /api/v1/admin/tokens/{tokenId}/revoke': {
        roles: ['admin'],
        ...each(async (_side, scope) => ({ path: `/api/v1/admin/tokens/${(await personIn(scope)).id}/revoke` })),
      },
      'POST /api/v1/admin/tokens/{tokenId}/rotate': {
        roles: ['admin'],
        ...each(async (_side, scope) => ({
          path: `/api/v1/admin/tokens/${(await personIn(scope)).id}/rotate`,
          body: { graceSeconds: 0 },
        })),
      },
    });
    const future = () => new Date(Date.now() + 14 * 86400_000).toISOString();
    const noCases = (a: Answer) =>
      a.body.total === 0 ? undefined : `the summary counts ${a.body.total} cases of a flight the caller may not see`;

    return {
      'GET /api/v1/health': publicRoute('/api/v1/health'),
      'GET /api/v1/ready': publicRoute('/api/v1/ready'),
      'GET /api/v1/health/live': publicRoute('/api/v1/health/live'),
      'GET /api/v1/health/ready': publicRoute('/api/v1/health/ready'),
      'GET /api/v1/me/token': {
        roles: ALL,
        own: () => ({ path: '/api/v1/me/token' }),
        otherOrganisation: aboutCaller,
        otherRegion: aboutCaller,
      },
      'POST /api/v1/me/token/rotate': {
        roles: ALL,
        // With a grace period, so the caller's token goes on working for the rest of the matrix.
        own: () => ({
          path: '/api/v1/me/token/rotate',
          body: { graceSeconds: 3600 },
          check: (a) => (a.body.token && a.body.previous?.id ? undefined : `no new token: ${JSON.stringify(a.body)}`),
        }),
        otherOrganisation: { na: 'a person rotates only the token they call with; the request names no token' },
        otherRegion: { na: 'a person rotates only the token they call with; the request names no token' },
      },
      'GET /api/v1/evidence/keys': publicRoute('/api/v1/evidence/keys'),
      'GET /api/v1/model': {
        roles: ALL,
        own: () => ({ path: '/api/v1/model' }),
        otherOrganisation: aboutCaller,
        otherRegion: aboutCaller,
      },
      'GET /api/v1/models': {
        roles: ALL,
        own: () => ({
          path: '/api/v1/models',
          check: (a) => {
            const cls = a.body.items?.[0]?.classes?.find((c: { name: string }) => c.name === env.modelClass.name);
            if (!cls?.live)
              return `class ${env.modelClass.name} is not live for the caller, though only organisation B switched it off`;
            return a.text?.includes(env.modelClass.orgBNote) ? 'it shows organisation B’s note' : undefined;
          },
        }),
        otherOrganisation: {
          na: 'the answer is about the caller’s own organisation; the request names no other (the own probe checks that organisation B’s override stays out)',
        },
        otherRegion: { na: 'classes are switched for a whole organisation, not per region' },
      },
      'PUT /api/v1/models/{model}/classes/{class}': {
        roles: ['admin'],
        own: () => ({
          path: `/api/v1/models/${env.modelClass.model}/classes/${env.modelClass.name}`,
          body: { enabled: true, note: 'kept on in the matrix' },
          check: async (a) => {
            if (!a.body.live || a.body.override?.note !== 'kept on in the matrix')
              return `the class is not live with the caller’s note: ${JSON.stringify(a.body)}`;
            return (await env.modelClass.orgBEnabled()) === false ? undefined : 'organisation B’s override changed';
          },
        }),
        otherOrganisation: {
          na: 'an override always belongs to the caller’s organisation: the request cannot name another (the own probe checks that organisation B’s stays as it was)',
        },
        otherRegion: { na: 'classes are switched for a whole organisation, not per region' },
      },
      'GET /api/v1/me': {
        roles: ALL,
        own: () => ({
          path: '/api/v1/me',
          check: (a) =>
            a.body.organisationId === t.organisationId && a.body.regionCode === CALLER_REGION
              ? undefined
              : `names ${a.body.organisationId} ${a.body.regionCode}`,
        }),
        otherOrganisation: aboutCaller,
        otherRegion: aboutCaller,
      },

      'POST /api/v1/flights': {
        roles: UPLOADERS,
        own: () => ({
          path: '/api/v1/flights',
          body: { name: 'matrix', regionCode: OWN_COUNTY },
          check: ownOrganisation,
        }),
        otherOrganisation: createdInOwnOrganisation,
        // The contract's answer to a region outside the caller's: refused, nothing created.
        otherRegion: () => ({
          path: '/api/v1/flights',
          body: { name: 'matrix elsewhere', regionCode: OTHER_COUNTY },
          status: 422,
        }),
      },
      'GET /api/v1/flights': {
        roles: ALL,
        list: true,
        ...each((side, scope) => ({
          path: '/api/v1/flights?limit=200',
          check: scope === 'own' ? holds(side.flightId, side.openFlightId) : undefined,
        })),
      },
      'GET /api/v1/flights/{flightId}': {
        roles: ALL,
        ...each((side) => ({
          path: `/api/v1/flights/${side.flightId}`,
          check: (a) => (a.body.flight.id === side.flightId ? undefined : 'another flight'),
        })),
      },
      'GET /api/v1/flights/{flightId}/geojson': {
        roles: ALL,
        ...each((side) => ({ path: `/api/v1/flights/${side.flightId}/geojson`, check: holds(side.findings[0]!.id) })),
      },
      'GET /api/v1/flights/{flightId}/images': {
        roles: ALL,
        ...each((side) => ({ path: `/api/v1/flights/${side.flightId}/images`, check: holds(...side.imageIds) })),
      },
      'POST /api/v1/flights/{flightId}/uploads': {
        roles: UPLOADERS,
        ...each(async (side) => {
          const photo = await upload;
          return {
            path: `/api/v1/flights/${side.openFlightId}/uploads`,
            body: {
              files: [
                {
                  filename: 'extra.jpg',
                  sha256: createHash('sha256').update(photo).digest('hex'),
                  sizeBytes: photo.length,
                  contentType: 'image/jpeg',
                },
              ],
            },
          };
        }),
      },
      'PUT /api/v1/flights/{flightId}/images/{filename}': {
        roles: UPLOADERS,
        ...each(async (side) => ({
          path: `/api/v1/flights/${side.openFlightId}/images/extra.jpg`,
          raw: await upload,
          contentType: 'image/jpeg',
        })),
      },
      'POST /api/v1/flights/{flightId}/complete': {
        roles: UPLOADERS,
        // Completing is for good: each own call gets a flight of its own; the others' open flights stay open.
        ...each(async (side, scope, _role, allowed) => ({
          path: `/api/v1/flights/${scope === 'own' ? await freshFlight(allowed) : side.openFlightId}/complete`,
        })),
      },
      'GET /api/v1/flights/{flightId}/findings': {
        roles: ALL,
        ...each((side) => ({ path: `/api/v1/flights/${side.flightId}/findings`, check: holds(side.pending.id) })),
      },
      'POST /api/v1/flights/{flightId}/findings/merge': {
        roles: ['admin'],
        ...each((side) => ({ path: `/api/v1/flights/${side.flightId}/findings/merge` })),
      },
      'POST /api/v1/flights/{flightId}/images/{imageId}/retry': {
        roles: UPLOADERS,
        // The caller's own photo is processed, so it is found and refused as not failed (409).
        ...each((side, scope) => ({
          path: `/api/v1/flights/${side.flightId}/images/${side.imageId}/retry`,
          ...(scope === 'own' ? { status: 409 } : {}),
        })),
      },
      'POST /api/v1/flights/{flightId}/images/{imageId}/discard': {
        roles: UPLOADERS,
        ...each((side, scope) => ({
          path: `/api/v1/flights/${side.flightId}/images/${side.imageId}/discard`,
          body: {},
          ...(scope === 'own' ? { status: 409 } : {}),
        })),
      },
      'POST /api/v1/flights/{flightId}/retry-failed': {
        roles: UPLOADERS,
        ...each((side) => ({
          path: `/api/v1/flights/${side.flightId}/retry-failed`,
          check: (a) => (a.body.retried === 0 ? undefined : `retried ${a.body.retried} photos; none had failed`),
        })),
      },
      'GET /api/v1/findings/{findingId}': {
        roles: ALL,
        ...each((side) => ({ path: `/api/v1/findings/${side.pending.id}` })),
      },
      'GET /api/v1/findings/{findingId}/history': {
        roles: ['reviewer', 'regulator', 'admin'],
        ...each((side) => ({ path: `/api/v1/findings/${side.pending.id}/history` })),
      },
      'POST /api/v1/findings/{findingId}/revise': {
        roles: ['reviewer', 'admin'],
        // A pending finding has no decision to revise: found, and refused (an admin: nothing to
        // revise, 409; a reviewer: not their decision, 403); the others' are never found.
        ...each((side, scope, role) => ({
          path: `/api/v1/findings/${side.pending.id}/revise`,
          body: { decision: 'reject', reason: 'revised in the matrix' },
          ...(scope === 'own' ? { status: role === 'admin' ? 409 : 403 } : {}),
        })),
      },

      'GET /api/v1/images/{imageId}': { roles: ALL, ...each((side) => ({ path: `/api/v1/images/${side.imageId}` })) },
      'GET /api/v1/images/{imageId}/original': {
        roles: ALL,
        ...each((side) => ({ path: `/api/v1/images/${side.imageId}/original` })),
      },
      'GET /api/v1/images/{imageId}/preview': {
        roles: ALL,
        ...each((side) => ({ path: `/api/v1/images/${side.imageId}/preview` })),
      },
      'GET /api/v1/detections/{detectionId}/crop': {
        roles: ALL,
        ...each((side) => ({ path: `/api/v1/detections/${bestView(side.pending)}/crop` })),
      },
      'GET /api/v1/review/queue': {
        roles: ['reviewer', 'admin'],
        list: true,
        own: () => ({ path: '/api/v1/review/queue?limit=200', check: holds(s.own.pending.id) }),
        otherOrganisation: () => ({ path: `/api/v1/review/queue?limit=200&flightId=${s.otherOrganisation.flightId}` }),
        // Asking for the whole province must not widen the caller's city.
        otherRegion: () => ({ path: '/api/v1/review/queue?limit=200&region=41' }),
      },
      'POST /api/v1/findings/{findingId}/lease': {
        roles: ['reviewer'],
        ...each((side) => ({ path: `/api/v1/findings/${side.pending.id}/lease` })),
      },
      'DELETE /api/v1/findings/{findingId}/lease': {
        roles: ['reviewer'],
        ...each((side) => ({ path: `/api/v1/findings/${side.pending.id}/lease` })),
      },
      'POST /api/v1/findings/{findingId}/decision': {
        roles: ['reviewer'],
        ...each((side, scope, _role, allowed) => ({
          path: `/api/v1/findings/${(scope === 'own' ? take(allowed) : side.pending).id}/decision`,
          body: { decision: 'confirm', note: 'seen in the matrix' },
        })),
      },
      'POST /api/v1/detections/{detectionId}/review': {
        roles: ['reviewer'],
        ...each((side, scope, _role, allowed) => ({
          path: `/api/v1/detections/${bestView(scope === 'own' ? take(allowed) : side.pending)}/review`,
          body: { decision: 'reject', reason: 'false_positive' },
        })),
      },
      'POST /api/v1/images/{imageId}/missed-hazards': {
        roles: ['reviewer'],
        ...each((side) => ({
          path: `/api/v1/images/${side.imageId}/missed-hazards`,
          body: { className: 'no_helmet', box: [300, 320, 380, 440] },
        })),
      },
      'GET /api/v1/missed-hazards': {
        roles: ['reviewer', 'admin'],
        list: true,
        ...each((side, scope) =>
          scope === 'own'
            ? { path: '/api/v1/missed-hazards?limit=200', check: holds(side.missedId) }
            : { path: `/api/v1/missed-hazards?limit=200&flightId=${side.flightId}` },
        ),
      },

      'GET /api/v1/cases': {
        roles: CASE_READERS,
        list: true,
        own: () => ({ path: '/api/v1/cases?limit=200', check: holds(s.own.caseId, s.own.notifiedCaseId) }),
        otherOrganisation: () => ({ path: `/api/v1/cases?limit=200&flightId=${s.otherOrganisation.flightId}` }),
        otherRegion: () => ({ path: '/api/v1/cases?limit=200&region=41' }),
      },
      'GET /api/v1/cases/summary': {
        roles: CASE_READERS,
        list: true,
        own: async () => {
          const expected = await env.ownCaseCount();
          return {
            path: '/api/v1/cases/summary',
            check: (a) => {
              const regions = Object.keys(a.body.byRegion).filter((r) => !r.startsWith(CALLER_REGION));
              if (regions.length) return `counts cases of regions ${regions.join(', ')}`;
              return a.body.total === expected
                ? undefined
                : `counts ${a.body.total} cases; organisation A has ${expected} in ${CALLER_REGION}`;
            },
          };
        },
        otherOrganisation: () => ({
          path: `/api/v1/cases/summary?flightId=${s.otherOrganisation.flightId}`,
          check: noCases,
        }),
        otherRegion: () => ({ path: `/api/v1/cases/summary?flightId=${s.otherRegion.flightId}`, check: noCases }),
      },
      'GET /api/v1/cases/export.csv': {
        roles: CASE_READERS,
        list: true,
        own: () => ({ path: '/api/v1/cases/export.csv', check: holds(s.own.caseId, s.own.notifiedCaseId) }),
        otherOrganisation: () => ({ path: `/api/v1/cases/export.csv?flightId=${s.otherOrganisation.flightId}` }),
        otherRegion: () => ({ path: '/api/v1/cases/export.csv?region=41' }),
      },
      'GET /api/v1/cases/export.geojson': {
        roles: CASE_READERS,
        list: true,
        own: () => ({ path: '/api/v1/cases/export.geojson', check: holds(s.own.caseId, s.own.notifiedCaseId) }),
        otherOrganisation: () => ({ path: `/api/v1/cases/export.geojson?flightId=${s.otherOrganisation.flightId}` }),
        otherRegion: () => ({ path: `/api/v1/cases/export.geojson?flightId=${s.otherRegion.flightId}` }),
      },
      'GET /api/v1/cases/geojson': {
        roles: CASE_READERS,
        list: true,
        own: () => ({ path: '/api/v1/cases/geojson', check: holds(s.own.caseId, s.own.notifiedCaseId) }),
        otherOrganisation: () => ({ path: `/api/v1/cases/geojson?flightId=${s.otherOrganisation.flightId}` }),
        otherRegion: () => ({ path: '/api/v1/cases/geojson?region=41' }),
      },
      'GET /api/v1/cases/{caseId}': {
        roles: CASE_READERS,
        ...each((side) => ({ path: `/api/v1/cases/${side.caseId}`, check: holds(side.attachmentId) })),
      },
      'POST /api/v1/cases/{caseId}/transitions': {
        roles: ['regulator'],
        // The own case was notified in the fixture; the others' are filed and have a site, so theirs
        // would move too, were they the caller's.
        ...each((side, scope) => ({
          path: `/api/v1/cases/${scope === 'own' ? s.own.notifiedCaseId : side.caseId}/transitions`,
          body: scope === 'own' ? { to: 'rectification_due', dueAt: future() } : { to: 'notified' },
        })),
      },
      'GET /api/v1/cases/{caseId}/site-candidates': {
        roles: CASE_READERS,
        ...each((side) => ({ path: `/api/v1/cases/${side.caseId}/site-candidates` })),
      },
      'POST /api/v1/cases/{caseId}/site': {
        roles: ['regulator'],
        // Naming a site keeps a case filed, so the own one can be named again; the site is always the
        // caller's own, so only the case decides the answer.
        ...each((side) => ({
          path: `/api/v1/cases/${side.caseId}/site`,
          body: { siteId: s.own.siteId, note: 'named in the matrix' },
        })),
      },
      'PUT /api/v1/cases/{caseId}/attachments/{filename}': {
        roles: ['regulator'],
        ...each((side) => ({
          path: `/api/v1/cases/${side.caseId}/attachments/receipt.pdf`,
          raw: Buffer.from('%PDF-1.4\n% a receipt\n'),
          contentType: 'application/pdf',
        })),
      },
      'GET /api/v1/cases/{caseId}/evidence.zip': {
        roles: ['regulator', 'admin'],
        ...each((side) => ({ path: `/api/v1/cases/${side.caseId}/evidence.zip`, check: holds(side.caseId) })),
      },
      'GET /api/v1/cases/{caseId}/attachments/{attachmentId}': {
        roles: CASE_READERS,
        ...each((side) => ({ path: `/api/v1/cases/${side.caseId}/attachments/${side.attachmentId}` })),
      },

      'POST /api/v1/ingest/s3-events': {
        roles: UPLOADERS,
        // Bucket notifications answer per record, never 404: another's object is "ignored" for
        // "no flight", word for word what a flight that does not exist gets (the comparison with
        // random ids below checks that).
        ...each((side, scope) => ({
          path: '/api/v1/ingest/s3-events',
          body: s3Event(side.objectKey),
          status: 200,
          check: (a) => {
            const outcome = a.body.results[0]?.outcome;
            const expected = scope === 'own' ? 'already-registered' : 'ignored';
            return outcome === expected ? undefined : `the record was ${outcome}, not ${expected}`;
          },
        })),
      },
      'POST /api/v1/admin/reconcile': {
        roles: ['admin'],
        // Reconciliation counts what it saw under a prefix: of another's flight it must see nothing.
        ...each((side, scope) => ({
          path: '/api/v1/admin/reconcile',
          body: { prefix: `flights/${side.flightId}/` },
          status: 200,
          check: (a) => {
            const expected = scope === 'own' ? side.imageIds.length : 0;
            return a.body.listed === expected ? undefined : `listed ${a.body.listed} objects, not ${expected}`;
          },
        })),
      },

      'GET /api/v1/admin/operations': {
        roles: ['admin'],
        list: true,
        // The queue counts are the installation's; the failed photos listed must be the caller's only.
        ...each((side, scope) => ({
          path: '/api/v1/admin/operations',
          check: (a) =>
            scope !== 'own' && side.imageIds.some((id) => a.text?.includes(id)) ? 'lists another’s photo' : undefined,
        })),
      },
      'POST /api/v1/admin/images/{imageId}/retry': {
        roles: ['admin'],
        // The caller's own photo is processed, so it is found and refused as not failed (409).
        ...each((side, scope) => ({
          path: `/api/v1/admin/images/${side.imageId}/retry`,
          ...(scope === 'own' ? { status: 409 } : {}),
        })),
      },
      'POST /api/v1/admin/images/{imageId}/discard': {
        roles: ['admin'],
        ...each((side, scope) => ({
          path: `/api/v1/admin/images/${side.imageId}/discard`,
          body: {},
          ...(scope === 'own' ? { status: 409 } : {}),
        })),
      },
      'GET /api/v1/organisation/region': {
        roles: ALL,
        own: () => ({
          path: '/api/v1/organisation/region',
          check: (a) => (a.body.regionCode === '' ? undefined : `names region ${a.body.regionCode}`),
        }),
        otherOrganisation: aboutCaller,
        otherRegion: aboutCaller,
      },
      'PUT /api/v1/organisation/region/boundary': {
        roles: ['admin'],
        // Removing the (absent) boundary changes nothing the other fixtures rely on.
        own: () => ({
          path: '/api/v1/organisation/region/boundary',
          body: { geometry: null },
          check: (a) => (a.body.boundary === null ? undefined : 'a boundary is left'),
        }),
        otherOrganisation: { na: 'it always acts on the caller’s own organisation: the body cannot name another' },
        otherRegion: { na: 'the boundary is the organisation’s, not a region’s' },
      },
      'POST /api/v1/images/{imageId}/hold': {
        roles: ['operator', 'admin'],
        // The caller's own photo is processed, not held: found and refused (409).
        ...each((side, scope) => ({
          path: `/api/v1/images/${side.imageId}/hold`,
          body: { decision: 'discard' },
          ...(scope === 'own' ? { status: 409 } : {}),
        })),
      },
      'POST /api/v1/admin/images/retry-failed': {
        roles: ['admin'],
        own: () => ({
          path: '/api/v1/admin/images/retry-failed',
          body: {},
          check: (a) => (a.body.retried === 0 ? undefined : `retried ${a.body.retried} photos; none had failed`),
        }),
        otherOrganisation: { na: 'acts on the caller’s organisation only: the request names no photo or flight' },
        otherRegion: { na: 'acts on the caller’s organisation and region only: the request names nothing' },
      },
      ...adminUserFixtures(),
      'GET /api/v1/audit/checkpoints': {
        roles: ['admin'],
        list: true,
        own: () => ({ path: '/api/v1/audit/checkpoints' }),
        otherOrganisation: {
          na: 'the audit chain is the installation’s, one for all organisations: counts and hashes only',
        },
        otherRegion: { na: 'the audit chain is the installation’s, one for all organisations: counts and hashes only' },
      },

      'POST /api/v1/sites': {
        roles: ['admin'],
        own: async () => ({
          path: '/api/v1/sites',
          body: await siteFeature(OWN_COUNTY),
          check: sitesInOwnOrganisation,
        }),
        otherOrganisation: createdInOwnOrganisation,
        otherRegion: async () => ({ path: '/api/v1/sites', body: await siteFeature(OTHER_COUNTY), status: 422 }),
      },
      'POST /api/v1/sites/import': {
        roles: ['admin'],
        own: async () => ({
          path: '/api/v1/sites/import',
          body: { type: 'FeatureCollection', features: [await siteFeature(OWN_COUNTY)] },
          check: sitesInOwnOrganisation,
        }),
        otherOrganisation: createdInOwnOrganisation,
        // One site outside the caller's region refuses the whole import, the own one beside it too.
        otherRegion: async () => ({
          path: '/api/v1/sites/import',
          body: {
            type: 'FeatureCollection',
            features: [await siteFeature(OWN_COUNTY), await siteFeature(OTHER_COUNTY)],
          },
          status: 422,
        }),
      },
      'GET /api/v1/sites': {
        roles: SITE_READERS,
        list: true,
        own: () => ({ path: '/api/v1/sites?limit=200', check: holds(s.own.siteId) }),
        otherOrganisation: () => ({ path: '/api/v1/sites?limit=200' }),
        otherRegion: () => ({ path: '/api/v1/sites?limit=200&region=41' }),
      },
      'GET /api/v1/sites/geojson': {
        roles: SITE_READERS,
        list: true,
        own: () => ({ path: '/api/v1/sites/geojson', check: holds(s.own.siteId) }),
        otherOrganisation: () => ({ path: '/api/v1/sites/geojson' }),
        otherRegion: () => ({ path: '/api/v1/sites/geojson?region=41' }),
      },
      'GET /api/v1/sites/attribution': {
        roles: SITE_READERS,
        list: true,
        // Points in the yard: the centre lies in every outline; 2.5 mdeg out only in the other
        // region's and B's; 4 mdeg out only in B's.
        ...each((side, scope) => {
          const off = { own: 0, otherRegion: 0.0025, otherOrganisation: 0.004 }[scope];
          const expected = scope === 'own' ? side.siteId : null;
          return {
            path: `/api/v1/sites/attribution?lat=${env.origin.lat + off}&lon=${env.origin.lon + off}`,
            check: (a) =>
              (a.body.site?.id ?? null) === expected ? undefined : `attributed to ${a.body.site?.id}, not ${expected}`,
          };
        }),
      },
      'GET /api/v1/sites/{siteId}': {
        roles: SITE_READERS,
        ...each((side) => ({ path: `/api/v1/sites/${side.siteId}` })),
      },
    };
  }

  async function send(method: string, probe: Probe, token: string | null): Promise<Answer> {
    const res = await t.request(method.toUpperCase(), probe.path, {
      token,
      body: probe.body,
      raw: probe.raw,
      contentType: probe.contentType,
    });
    return { ...res, text: textOf(res.body, res.headers) };
  }

  /** Foreign state the matrix must leave as it was, whatever it was refused or allowed. */
  async function foreignState(): Promise<unknown[]> {
    const ids = [...foreignIds];
    const s = `"${t.schema}"`;
    const { rows } = await db.query(
      `SELECT 'flight' AS kind, id::text AS id, status AS state FROM ${s}.flights WHERE id = ANY($1::uuid[])
       UNION ALL SELECT 'finding', id::text, concat_ws(':', status, lease_user_id, decided_at) FROM ${s}.findings WHERE id = ANY($1::uuid[])
       UNION ALL SELECT 'detection', id::text, state FROM ${s}.detections WHERE id = ANY($1::uuid[])
       UNION ALL SELECT 'case', id::text, concat_ws(':', status, site_id, region_code, updated_at) FROM ${s}.cases WHERE id = ANY($1::uuid[])
       UNION ALL SELECT 'images', flight_id::text, count(*)::text FROM ${s}.images WHERE flight_id = ANY($1::uuid[]) GROUP BY flight_id
       UNION ALL SELECT 'attachments', case_id::text, count(*)::text FROM ${s}.case_attachments WHERE case_id = ANY($1::uuid[]) GROUP BY case_id
       UNION ALL SELECT 'events', case_id::text, count(*)::text FROM ${s}.case_events WHERE case_id = ANY($1::uuid[]) GROUP BY case_id
       UNION ALL SELECT 'missed', image_id::text, count(*)::text FROM ${s}.missed_hazards WHERE image_id = ANY($1::uuid[]) GROUP BY image_id
       ORDER BY 1, 2`,
      [ids],
    );
    return rows;
  }

  /**
   * Runs every (role, scope) call of the chosen routes and returns what went wrong, one line each,
   * naming route, role, scope and the status received.
   */
  async function runMatrix(select: (f: RouteFixture) => boolean): Promise<{ checked: number; failures: string[] }> {
    const failures: string[] = [];
    let checked = 0;
    for (const op of operations) {
      const fixture = fixtures[key(op)];
      if (!fixture || fixture.roles === 'public' || !select(fixture)) continue;
      for (const role of ROLES) {
        const allowed = op.roles !== 'public' && op.roles.includes(role);
        for (const scope of SCOPES) {
          const make = fixture[scope];
          if ('na' in make) continue;
          checked++;
          const probe = await make(role, allowed);
          const where = `${key(op)} as ${role} on ${scope} objects (${probe.path})`;
          const answer = await send(op.method, probe, callers[role]);
          const detail = answer.body?.detail ? `: ${answer.body.detail}` : '';
          if (!allowed) {
            if (answer.status !== 403 || !answer.headers.get('content-type')?.includes('application/problem+json'))
              failures.push(
                `${where}: expected 403 problem+json, got ${answer.status} ${answer.headers.get('content-type')}${detail}`,
              );
            continue;
          }
          const expected = probe.status ?? (scope === 'own' || fixture.list ? '2xx' : 404);
          if (expected === '2xx' ? !is2xx(answer.status) : answer.status !== expected) {
            failures.push(`${where}: expected ${expected}, got ${answer.status}${detail}`);
            continue;
          }
          const asked = `${probe.path} ${JSON.stringify(probe.body ?? null)}`;
          const named = [...foreignIds].filter((id) => asked.includes(id));
          if (is2xx(answer.status)) {
            const leaked = [...foreignIds].filter((id) => !named.includes(id) && answer.text?.includes(id));
            if (leaked.length)
              failures.push(
                `${where}: got ${answer.status} holding objects of another organisation or region: ${leaked.join(', ')}`,
              );
            const problem = await probe.check?.(answer);
            if (problem) failures.push(`${where}: got ${answer.status}, but ${problem}`);
          }
          if (scope !== 'own' && named.length) {
            // Another's object must be indistinguishable from one that does not exist.
            const fresh = new Map(named.map((id) => [id, randomUUID()]));
            const swap = (text: string) => [...fresh].reduce((acc, [from, to]) => acc.replaceAll(from, to), text);
            const nowhere = await send(
              op.method,
              {
                ...probe,
                path: swap(probe.path),
                body: probe.body === undefined ? undefined : JSON.parse(swap(JSON.stringify(probe.body))),
              },
              callers[role],
            );
            const normalise = (a: Answer) => `${a.status} ${(a.text ?? '').replace(UUID, '<id>')}`;
            if (normalise(answer) !== normalise(nowhere))
              failures.push(
                `${where}: got ${answer.status}, which differs from the answer for ids that do not exist (${nowhere.status}): ${normalise(answer)} vs ${normalise(nowhere)}`,
              );
          }
        }
      }
    }
    return { checked, failures };
  }

  it('when the served API document lists its routes, then each has a matrix fixture declaring the same roles, and no fixture is left without a route', () => {
    const problems: string[] = [];
    for (const op of operations) {
      const fixture = fixtures[key(op)];
      if (!fixture) problems.push(`route ${key(op)} has no fixture in the authorisation matrix`);
      else if (
        JSON.stringify(fixture.roles === 'public' ? 'public' : [...fixture.roles].sort()) !==
        JSON.stringify(op.roles === 'public' ? 'public' : [...op.roles].sort())
      ) {
        problems.push(
          `route ${key(op)} declares roles ${JSON.stringify(op.roles)}, the matrix expects ${JSON.stringify(fixture.roles)}`,
        );
      }
    }
    const served = new Set(operations.map(key));
    for (const name of Object.keys(fixtures))
      if (!served.has(name)) problems.push(`fixture ${name} names no route of the served document`);
    expect(problems, problems.join('\n')).toEqual([]);
  });

  it('when a route is called without a token, then a public one answers (with any role’s token too) and every other one answers 401', async () => {
    const failures: string[] = [];
    for (const op of operations) {
      const fixture = fixtures[key(op)];
      if (!fixture) continue;
      // Refused before anything runs, so the probe of a refused call is enough.
      const probe = await fixture.own('operator', op.roles === 'public');
      if (op.roles !== 'public') {
        const answer = await send(op.method, probe, null);
        if (answer.status !== 401) failures.push(`${key(op)} without a token: expected 401, got ${answer.status}`);
        continue;
      }
      for (const [who, token] of [['no token', null], ...ROLES.map((r) => [r, callers[r]])] as const) {
        const answer = await send(op.method, probe, token);
        if (!is2xx(answer.status)) failures.push(`${key(op)} with ${who}: expected 2xx, got ${answer.status}`);
      }
    }
    expect(failures, failures.join('\n')).toEqual([]);
  });

  it('when the person who flew a flight reviews it, then leasing and deciding its findings answer 403', async () => {
    const flyer = await t.token({ name: 'a-operator', role: 'reviewer', regionCode: CALLER_REGION });
    const finding = own.pending;
    const calls = [
      ['POST', `/api/v1/findings/${finding.id}/lease`, undefined],
      ['POST', `/api/v1/findings/${finding.id}/decision`, { decision: 'confirm' }],
      ['POST', `/api/v1/detections/${bestView(finding)}/review`, { decision: 'confirm' }],
    ] as const;
    const failures: string[] = [];
    for (const [method, path, body] of calls) {
      const res = await t.request(method, path, { token: flyer, body });
      if (res.status !== 403)
        failures.push(`${method} ${path} by the reviewer who flew it: expected 403, got ${res.status}`);
    }
    expect(failures, failures.join('\n')).toEqual([]);
    expect((await t.request('GET', `/api/v1/findings/${finding.id}`, { token: callers.reviewer })).body.status).toBe(
      'pending',
    );
  });

  it('when every role calls every route on own, other-organisation and other-region objects, then unlisted roles get 403, own objects answer 2xx and the others 404 as if they did not exist, and nothing of theirs changes', async () => {
    const before = await foreignState();
    const { failures } = await runMatrix((f) => !f.list);
    expect(failures, failures.join('\n')).toEqual([]);
    expect(await foreignState()).toEqual(before);
  }, 300_000);

  it('when every role asks a list, queue, summary, export or lookup, then it holds own objects and none of another organisation or region, even when asked for them by id or region', async () => {
    const before = await foreignState();
    const { failures } = await runMatrix((f) => f.list === true);
    expect(failures, failures.join('\n')).toEqual([]);
    expect(await foreignState()).toEqual(before);
  }, 120_000);
});

import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flyDemoPhotos, POSTGRES_URL, ROOT, startTestApi, type TestApi } from './harness.js';

const DEFAULT_MODEL = path.join(ROOT, 'models/hazard-v1');
/** Shipped disabled in the test's copy of the model: the demo photos show it (DJI_0004, DJI_0005). */
const DISABLED = 'unguarded_edge';
const REASON = 'only synthetic evidence: 0 real test instances';
/** Left without a hazard code in the copy: detected, never reviewed, whatever an admin asks. */
const UNMAPPED = 'drums_outside_bund';

interface ClassState {
  name: string;
  hazardCode: string | null;
  enabledByDefault: boolean;
  disabledReason: string | null;
  live: boolean;
  decidedBy: string;
  override: { enabled: boolean; note: string; changedBy: { userId: string; name: string }; changedAt: string } | null;
}

describe('classes shipped disabled and enabled by a bureau', () => {
  let t: TestApi;
  let db: pg.Client;
  let modelDir: string;
  let modelName: string;
  let first: { flightId: string; findings: Array<{ id: string; className: string }> };

  const classes = async (token: string): Promise<Map<string, ClassState>> => {
    const res = await t.request('GET', '/api/v1/models', { token });
    expect(res.status).toBe(200);
    expect(res.body.items[0].active).toBe(true);
    return new Map((res.body.items[0].classes as ClassState[]).map((c) => [c.name, c]));
  };
  const findingClasses = async (flightId: string) =>
    (
      (await t.request('GET', `/api/v1/flights/${flightId}/findings`, { token: t.tokens.reviewer })).body
        .items as Array<{ className: string }>
    ).map((f) => f.className);

  beforeAll(async () => {
    // A copy of the default model whose manifest ships one class disabled and maps another to no hazard.
    modelDir = await mkdtemp(path.join(os.tmpdir(), 'class-settings-model-'));
    await copyFile(path.join(DEFAULT_MODEL, 'model.onnx'), path.join(modelDir, 'model.onnx'));
    const manifest = JSON.parse(await readFile(path.join(DEFAULT_MODEL, 'manifest.json'), 'utf8')) as {
      name: string;
      classes: Array<Record<string, unknown>>;
    };
    manifest.classes = manifest.classes.map((c) => {
      if (c.name === DISABLED) return { ...c, enabled: false, disabledReason: REASON };
      if (c.name === UNMAPPED) return { name: c.name };
      return c;
    });
    await writeFile(path.join(modelDir, 'manifest.json'), JSON.stringify(manifest, null, 2));
    modelName = manifest.name;
    t = await startTestApi({ env: { MODEL_DIR: modelDir } });
    db = new pg.Client({ connectionString: POSTGRES_URL });
    await db.connect();
    first = await flyDemoPhotos(t, 'before enabling', ['DJI_0004.JPG']);
  }, 600_000);
  afterAll(async () => {
    await db?.end();
    await t?.close();
    if (modelDir) await rm(modelDir, { recursive: true, force: true });
  });

  it('when a class ships disabled, then its detections are stored with scores and boxes but make no findings, and GET /models says why', async () => {
    const status = await t.request('GET', `/api/v1/flights/${first.flightId}`, { token: t.tokens.operator });
    const held = status.body.detections.filter(
      (d: { className: string; state: string }) => d.className === DISABLED && d.state === 'flagged',
    );
    expect(held.length, 'the photo shows the disabled class above its threshold').toBe(1);
    expect(held[0].count).toBeGreaterThan(0);
    expect(held[0].live).toBe(false);
    expect(
      status.body.detections
        .filter((d: { className: string }) => d.className === 'fire')
        .every((d: { live: boolean }) => d.live),
    ).toBe(true);

    const imageId = (await t.request('GET', `/api/v1/flights/${first.flightId}/images`, { token: t.tokens.operator }))
      .body.items[0].id;
    const image = await t.request('GET', `/api/v1/images/${imageId}`, { token: t.tokens.reviewer });
    const stored = image.body.detections.filter(
      (d: { className: string; state: string }) => d.className === DISABLED && d.state === 'flagged',
    );
    expect(stored.length).toBe(held[0].count);
    for (const d of stored) {
      expect(d.score).toBeGreaterThanOrEqual(d.threshold);
      expect(d.box).toHaveLength(4);
    }

    expect(first.findings.length).toBeGreaterThan(0);
    expect(first.findings.map((f) => f.className)).not.toContain(DISABLED);
    const queue = await t.request('GET', '/api/v1/review/queue?limit=200', { token: t.tokens.reviewer });
    expect(queue.body.items.map((i: { finding: { className: string } }) => i.finding.className)).not.toContain(
      DISABLED,
    );

    for (const role of ['operator', 'reviewer', 'regulator', 'admin'] as const) {
      const seen = await classes(t.tokens[role]);
      expect(seen.get(DISABLED)).toMatchObject({
        enabledByDefault: false,
        disabledReason: REASON,
        live: false,
        decidedBy: 'manifest',
        override: null,
      });
      expect(seen.get('fire')).toMatchObject({
        enabledByDefault: true,
        disabledReason: null,
        live: true,
        decidedBy: 'manifest',
      });
      expect(seen.get(UNMAPPED)).toMatchObject({ hazardCode: null, live: false, decidedBy: 'no_hazard_code' });
    }
    const card = await t.request('GET', '/api/v1/model', { token: t.tokens.operator });
    expect(card.status).toBe(200);
    expect(card.body.classes.find((c: { name: string }) => c.name === DISABLED)).toMatchObject({
      enabledByDefault: false,
      disabledReason: REASON,
    });
  });

  it('when anyone but an admin switches a class, or an admin asks the impossible, then it is refused as problem+json and nothing is written', async () => {
    const put = (token: string, model: string, cls: string, body: unknown) =>
      t.request('PUT', `/api/v1/models/${model}/classes/${cls}`, { token, body });
    const refusals: Array<[string, Awaited<ReturnType<typeof put>>, number]> = [
      ['operator', await put(t.tokens.operator, modelName, DISABLED, { enabled: true, note: 'looks fine to me' }), 403],
      ['reviewer', await put(t.tokens.reviewer, modelName, DISABLED, { enabled: true, note: 'looks fine to me' }), 403],
      [
        'regulator',
        await put(t.tokens.regulator, modelName, DISABLED, { enabled: true, note: 'looks fine to me' }),
        403,
      ],
      ['a note of two characters', await put(t.tokens.admin, modelName, DISABLED, { enabled: true, note: 'ok' }), 400],
      ['no note', await put(t.tokens.admin, modelName, DISABLED, { enabled: true }), 400],
      [
        'an unknown class',
        await put(t.tokens.admin, modelName, 'kitten', { enabled: true, note: 'we want kittens' }),
        404,
      ],
      [
        'an unknown model',
        await put(t.tokens.admin, 'hazard-v0', DISABLED, { enabled: true, note: 'the old one' }),
        404,
      ],
      [
        'a class without a hazard code',
        await put(t.tokens.admin, modelName, UNMAPPED, { enabled: true, note: 'we want drums' }),
        422,
      ],
    ];
    for (const [what, res, status] of refusals) {
      expect(res.status, what).toBe(status);
      expect(res.headers.get('content-type'), what).toContain('application/problem+json');
    }
    expect((await db.query(`SELECT count(*)::int AS n FROM "${t.schema}".class_settings`)).rows[0].n).toBe(0);
    expect(
      (await db.query(`SELECT count(*)::int AS n FROM "${t.schema}".audit_log WHERE subject_type = 'model_class'`))
        .rows[0].n,
    ).toBe(0);
    expect((await classes(t.tokens.admin)).get(DISABLED)!.live).toBe(false);
  });

  it('when an admin enables the class, then it is audited, live for their organisation only, new flights make findings of it, and merging an earlier flight again takes its held-back detections', async () => {
    const note = 'validated on 40 of our own flights';
    const res = await t.request('PUT', `/api/v1/models/${modelName}/classes/${DISABLED}`, {
      token: t.tokens.admin,
      body: { enabled: true, note: `  ${note} ` },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      name: DISABLED,
      enabledByDefault: false,
      disabledReason: REASON,
      live: true,
      decidedBy: 'override',
      override: { enabled: true, note, changedBy: { name: 'test-admin' } },
    });

    const audit = await db.query(
      `SELECT actor, action, subject_id, detail, hash FROM "${t.schema}".audit_log WHERE subject_type = 'model_class'`,
    );
    expect(audit.rows).toHaveLength(1);
    expect(audit.rows[0]).toMatchObject({
      actor: 'admin:test-admin',
      action: 'model.class_enabled',
      subject_id: `${modelName}/${DISABLED}`,
    });
    expect(audit.rows[0].detail).toMatchObject({
      organisationId: t.organisationId,
      className: DISABLED,
      enabled: true,
      note,
      enabledByDefault: false,
      disabledReason: REASON,
      previous: null,
    });
    expect(audit.rows[0].hash).toMatch(/^[0-9a-f]{64}$/);

    expect((await classes(t.tokens.reviewer)).get(DISABLED)).toMatchObject({
      live: true,
      decidedBy: 'override',
      override: { enabled: true, note },
    });
    const other = await t.api.container.services.tokens.createOrganisation(`Another bureau ${t.schema}`, '', 'test');
    const outsider = await t.token({ name: 'other-reviewer', role: 'reviewer', organisation: other.id });
    expect((await classes(outsider)).get(DISABLED)).toMatchObject({
      live: false,
      decidedBy: 'manifest',
      override: null,
    });

    // Enabling changes nothing already merged until the flight is merged again.
    expect(await findingClasses(first.flightId)).not.toContain(DISABLED);
    const second = await flyDemoPhotos(t, 'after enabling', ['DJI_0005.JPG']);
    expect(second.findings.map((f: { className: string }) => f.className)).toContain(DISABLED);
    const merged = await t.request('POST', `/api/v1/flights/${first.flightId}/findings/merge`, {
      token: t.tokens.admin,
    });
    expect(merged.status).toBe(200);
    expect(merged.body.created).toBeGreaterThan(0);
    expect(await findingClasses(first.flightId)).toContain(DISABLED);
    const again = await t.request('POST', `/api/v1/flights/${first.flightId}/findings/merge`, {
      token: t.tokens.admin,
    });
    expect(again.body).toEqual({ created: 0, joined: 0 });
  });
});

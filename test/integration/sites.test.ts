import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { creditCode, squareSite } from '../factories.js';
import { startTestApi, type TestApi } from './harness.js';

const feature = async (n: number, geometry: object, over: Record<string, unknown> = {}) => ({
  type: 'Feature',
  properties: {
    name: `Site ${n}`,
    creditCode: await creditCode(n),
    industry: 'chemicals',
    regionCode: '410105',
    ...over,
  },
  geometry,
});

describe('sites: registration, import and attribution', () => {
  let t: TestApi;
  beforeAll(async () => {
    t = await startTestApi({ withWorker: false });
  });
  afterAll(async () => {
    await t?.close();
  });
  const count = async () =>
    (await t.request('GET', '/api/v1/sites?limit=200', { token: t.tokens.admin })).body.items.length as number;

  it('when an admin registers a site, then it is stored with its region codes and found by a point inside it', async () => {
    const res = await t.request('POST', '/api/v1/sites', {
      token: t.tokens.admin,
      body: await feature(1, squareSite(113.7, 34.7, 0.01), { contact: { name: 'Wang Li', phone: '0371-12345678' } }),
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      name: 'Site 1',
      region: { province: '410000', city: '410100', county: '410105' },
      contact: { name: 'Wang Li' },
    });
    const inside = await t.request('GET', '/api/v1/sites/attribution?lat=34.705&lon=113.705', {
      token: t.tokens.reviewer,
    });
    expect(inside.body.site).toMatchObject({ id: res.body.id, name: 'Site 1' });
    const outside = await t.request('GET', '/api/v1/sites/attribution?lat=34.72&lon=113.705', {
      token: t.tokens.reviewer,
    });
    expect(outside.body).toEqual({ site: null });
  });

  it('when outlines nest or have holes, then the smallest containing site wins and holes belong to no one', async () => {
    const park = await feature(2, {
      type: 'Polygon',
      coordinates: [
        squareSite(113.8, 34.8, 0.02).coordinates[0],
        [
          [113.815, 34.815],
          [113.818, 34.815],
          [113.818, 34.818],
          [113.815, 34.818],
        ],
      ],
    });
    const workshop = await feature(3, squareSite(113.802, 34.802, 0.002));
    const res = await t.request('POST', '/api/v1/sites/import', {
      token: t.tokens.admin,
      body: { type: 'FeatureCollection', features: [park, workshop] },
    });
    expect(res.status).toBe(201);
    expect(res.body.imported).toBe(2);
    const at = async (lat: number, lon: number) =>
      (await t.request('GET', `/api/v1/sites/attribution?lat=${lat}&lon=${lon}`, { token: t.tokens.regulator })).body
        .site?.name ?? null;
    expect(await at(34.803, 113.803)).toBe('Site 3');
    expect(await at(34.81, 113.81)).toBe('Site 2');
    expect(await at(34.8165, 113.8165)).toBeNull();
  });

  it('when a MultiPolygon has an island inside a hole of its other polygon, then the island belongs to the site', async () => {
    const outer = squareSite(114.5, 34.5, 0.01).coordinates[0]!;
    const hole: Array<[number, number]> = [
      [114.502, 34.502],
      [114.508, 34.502],
      [114.508, 34.508],
      [114.502, 34.508],
      [114.502, 34.502],
    ];
    const island = squareSite(114.504, 34.504, 0.002).coordinates;
    const res = await t.request('POST', '/api/v1/sites', {
      token: t.tokens.admin,
      body: await feature(10, { type: 'MultiPolygon', coordinates: [[outer, hole], island] }),
    });
    expect(res.status).toBe(201);
    const at = async (lat: number, lon: number) =>
      (await t.request('GET', `/api/v1/sites/attribution?lat=${lat}&lon=${lon}`, { token: t.tokens.regulator })).body
        .site?.name ?? null;
    expect(await at(34.505, 114.505)).toBe('Site 10');
    expect(await at(34.5025, 114.5025)).toBeNull();
    expect(await at(34.501, 114.501)).toBe('Site 10');
  });

  it('when an import has bad codes, swapped coordinates and duplicates, then 400 lists each by its path and nothing is stored', async () => {
    const before = await count();
    const good = await feature(4, squareSite(113.9, 34.9, 0.001));
    const badCode = await feature(5, squareSite(113.91, 34.9, 0.001), { creditCode: '91350100M000100Y44' });
    const swapped = await feature(6, {
      type: 'Polygon',
      coordinates: [
        [
          [34.9, 113.92],
          [34.901, 113.92],
          [34.901, 113.921],
        ],
      ],
    });
    const res = await t.request('POST', '/api/v1/sites/import', {
      token: t.tokens.admin,
      body: { type: 'FeatureCollection', features: [good, badCode, swapped, good] },
    });
    expect(res.status).toBe(400);
    const paths = res.body.issues.map((i: { path: string }) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'features.1.properties.creditCode',
        'features.2.geometry',
        'features.3.properties.creditCode',
      ]),
    );
    expect(
      res.body.issues.find((i: { path: string }) => i.path === 'features.1.properties.creditCode').message,
    ).toMatch(/check character/);
    expect(await count()).toBe(before);
  });

  it('when an import repeats a registered credit code, then 409 names it and none of the batch is stored', async () => {
    const before = await count();
    const fresh = await feature(7, squareSite(114.0, 35.0, 0.001));
    const again = await feature(1, squareSite(114.1, 35.0, 0.001));
    const res = await t.request('POST', '/api/v1/sites/import', {
      token: t.tokens.admin,
      body: { type: 'FeatureCollection', features: [fresh, again] },
    });
    expect(res.status).toBe(409);
    expect(res.body.context.existingCreditCodes).toEqual([await creditCode(1)]);
    expect(await count()).toBe(before);
  });

  it('when sites are listed by region prefix and page, then every page continues the last', async () => {
    const other = await feature(8, squareSite(116.3, 39.9, 0.001), { regionCode: '110101' });
    expect((await t.request('POST', '/api/v1/sites', { token: t.tokens.admin, body: other })).status).toBe(201);
    const henan = await t.request('GET', '/api/v1/sites?region=41&limit=3', { token: t.tokens.regulator });
    expect(henan.body.items.every((s: { regionCode: string }) => s.regionCode.startsWith('41'))).toBe(true);
    const next = await t.request('GET', `/api/v1/sites?region=41&limit=3&cursor=${henan.body.nextCursor}`, {
      token: t.tokens.regulator,
    });
    const names = [...henan.body.items, ...next.body.items].map((s: { name: string }) => s.name);
    // Sites imported together share a timestamp; the id breaks the tie, so only the set is fixed.
    expect(names).toHaveLength(4);
    expect([...names].sort()).toEqual(['Site 1', 'Site 10', 'Site 2', 'Site 3']);
    expect(
      (await t.request('GET', '/api/v1/sites?region=11', { token: t.tokens.regulator })).body.items.map(
        (s: { name: string }) => s.name,
      ),
    ).toEqual(['Site 8']);
  });

  it('when sites are asked for as GeoJSON, then outlines come with their holes, exterior counterclockwise', async () => {
    const res = await t.request('GET', '/api/v1/sites/geojson?region=41', { token: t.tokens.regulator });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/geo+json');
    const park = res.body.features.find((f: { properties: { name: string } }) => f.properties.name === 'Site 2');
    expect(park.geometry.type).toBe('Polygon');
    expect(park.geometry.coordinates).toHaveLength(2);
    const ring = park.geometry.coordinates[0] as Array<[number, number]>;
    let twiceArea = 0;
    for (let i = 0; i + 1 < ring.length; i++)
      twiceArea += ring[i]![0] * ring[i + 1]![1] - ring[i + 1]![0] * ring[i]![1];
    expect(twiceArea).toBeGreaterThan(0);
    expect(res.body.bbox).toHaveLength(4);
  });

  it('when an operator tries to register a site, then 403', async () => {
    expect(
      (
        await t.request('POST', '/api/v1/sites', {
          token: t.tokens.operator,
          body: await feature(9, squareSite(113.5, 34.5, 0.001)),
        })
      ).status,
    ).toBe(403);
  });
});

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoSiteFeature } from '../factories.js';
import { ROOT, startTestApi, type TestApi, waitFor } from './harness.js';

const SAMPLES = path.join(ROOT, 'samples/demo-flight');

describe('end to end on real services (PostgreSQL, Redis, embedded S3, ONNX)', () => {
  let t: TestApi;
  beforeAll(async () => {
    t = await startTestApi();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('when an operator uploads photos and completes the flight, then every photo is processed with its hash, pixel size and capture metadata', async () => {
    // The enterprise whose yard the demo flight covers: its outline contains the whole site.
    const demo = await demoSiteFeature(42);
    const { lat } = demo.origin;
    const site = await t.request('POST', '/api/v1/sites', {
      token: t.tokens.admin,
      body: demo.feature,
    });
    expect(site.status).toBe(201);
    const created = await t.request('POST', '/api/v1/flights', {
      token: t.tokens.operator,
      body: { name: 'e2e flight', siteName: 'test site' },
    });
    expect(created.status).toBe(201);
    const flightId = created.body.id as string;
    const files = ['DJI_0001.JPG', 'DJI_0002.JPG'];
    for (const f of files) {
      const up = await t.request('PUT', `/api/v1/flights/${flightId}/images/${f}`, {
        token: t.tokens.operator,
        raw: await readFile(path.join(SAMPLES, f)),
      });
      expect(up.status).toBe(201);
      expect(up.body.image.originalFilename).toBe(f);
    }
    const done = await t.request('POST', `/api/v1/flights/${flightId}/complete`, { token: t.tokens.operator });
    expect(done.status).toBe(200);
    const status = await waitFor('flight processed', async () => {
      const s = await t.request('GET', `/api/v1/flights/${flightId}`, { token: t.tokens.operator });
      return s.body.done ? s.body : undefined;
    });
    expect(status.images.processed).toBe(2);
    expect(status.images.total).toBe(2);

    const images = await t.request('GET', `/api/v1/flights/${flightId}/images`);
    const first = images.body.items[0];
    expect(first.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(first.capture.latitude).toBeGreaterThan(0);
    expect(first.capture.relativeAltitudeM).toBe(60);
    expect([first.width, first.height]).toEqual([4000, 3000]);

    // Placed on the ground: a footprint per photo, and each detection's ground point in the site.
    let placed = 0;
    let flaggedPlaced = 0;
    for (const image of images.body.items) {
      expect(image.geoReason).toBeNull();
      expect(image.footprint.length).toBeGreaterThanOrEqual(5);
      const detail = await t.request('GET', `/api/v1/images/${image.id}`, { token: t.tokens.reviewer });
      for (const d of detail.body.detections) {
        expect(d.ground.errorM).toBeGreaterThan(0);
        expect(d.ground.polygon).toHaveLength(5);
        expect(Math.abs(d.ground.lat - lat)).toBeLessThan(0.002);
        expect(d.siteId).toBe(site.body.id);
        placed++;
        if (d.state !== 'below_threshold') flaggedPlaced++;
      }
    }
    expect(placed).toBeGreaterThan(0);

    // The same on a map, in WGS-84 and in GCJ-02 for Chinese base maps.
    const map = await t.request('GET', `/api/v1/flights/${flightId}/geojson`, { token: t.tokens.regulator });
    expect(map.status).toBe(200);
    expect(map.headers.get('content-type')).toContain('application/geo+json');
    const kinds = map.body.features.map((f: { properties: { kind: string } }) => f.properties.kind);
    expect(kinds.filter((k: string) => k === 'footprint')).toHaveLength(2);
    expect(kinds.filter((k: string) => k === 'track')).toHaveLength(1);
    // Below-threshold detections are kept for audits but not drawn.
    expect(kinds.filter((k: string) => k === 'detection')).toHaveLength(flaggedPlaced);
    expect(map.body.coordinateSystem).toBeUndefined();
    const mars = await t.request('GET', `/api/v1/flights/${flightId}/geojson?crs=gcj02`, { token: t.tokens.regulator });
    expect(mars.body.coordinateSystem).toBe('GCJ-02');
    const [lon84, lat84] = map.body.features[0].geometry.coordinates[0][0];
    const [lon02, lat02] = mars.body.features[0].geometry.coordinates[0][0];
    // GCJ-02 moves points in China by a few hundred metres.
    expect(Math.hypot((lon02 - lon84) * 91_000, (lat02 - lat84) * 111_000)).toBeGreaterThan(100);

    // Once every photo is done, the detections merge into findings, one per hazard.
    const findings = await waitFor('findings merged', async () => {
      const res = await t.request('GET', `/api/v1/flights/${flightId}/findings`, { token: t.tokens.reviewer });
      return res.body.items.length > 0 ? res.body.items : undefined;
    });
    const members = findings.flatMap((f: { views: Array<{ detection: { id: string } }> }) =>
      f.views.map((v) => v.detection.id),
    );
    expect(new Set(members).size).toBe(members.length);
    expect(members).toHaveLength(flaggedPlaced);
    expect(findings.length).toBeLessThanOrEqual(flaggedPlaced);
    for (const f of findings) {
      expect(f.siteId).toBe(site.body.id);
      expect(f.position.errorM).toBeGreaterThan(0);
      expect(f.views[0].rank).toBe(0);
    }
    const again = await t.request('POST', `/api/v1/flights/${flightId}/findings/merge`, { token: t.tokens.admin });
    expect(again.body).toEqual({ created: 0, joined: 0 });
  });
});

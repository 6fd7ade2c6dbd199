import type { Principal } from '../domain/roles.js';
import { ConflictError, NotFoundError } from '../domain/errors.js';
import type { AuditRepository } from '../repositories/audit.js';
import type { NewSite, SiteRef, SiteRepository, SiteRow } from '../repositories/sites.js';
import type { Ring, SiteGeometry } from '../domain/sites.js';
import { type FeatureCollection, featureCollection, type GeoJsonOptions, multiPolygonFeature, polygonFeature } from '../geo/geojson.js';
import type { LatLon } from '../geo/wgs84.js';

/** The enterprises findings are attributed to. */
export class SiteService {
  constructor(
    private readonly sites: SiteRepository,
    private readonly audit: AuditRepository,
  ) {}

  /** All or nothing: a credit code already registered stops the whole import, naming every one. */
  async import(actor: Principal, input: readonly NewSite[]): Promise<SiteRow[]> {
    const { created, existing } = await this.sites.insertMany(input);
    if (existing.length > 0) {
      throw new ConflictError(`${existing.length} of these sites are already registered; nothing was imported`, { existingCreditCodes: existing });
    }
    await this.audit.append({ actor: actor.name, action: 'sites.imported', subjectType: 'site', subjectId: created.length === 1 ? created[0]!.id : `${created.length} sites`, detail: { ids: created.map((s) => s.id) } });
    return created;
  }

  async get(id: string): Promise<SiteRow> {
    const site = await this.sites.get(id);
    if (!site) throw new NotFoundError(`no site ${id}`);
    return site;
  }

  list(options: Parameters<SiteRepository['list']>[0]): Promise<SiteRow[]> {
    return this.sites.list(options);
  }

  /** Sites as GeoJSON features, with their outlines and identifying properties. */
  async geojson(options: { regionPrefix?: string | undefined; limit: number }, geo: GeoJsonOptions): Promise<FeatureCollection> {
    const rows = await this.sites.list({ regionPrefix: options.regionPrefix, limit: options.limit });
    return featureCollection(
      rows.map((s) => {
        const geometry = s.geometry as SiteGeometry;
        const toRing = (ring: Ring): LatLon[] => ring.map(([lon, lat]) => ({ lat, lon }));
        const properties = { kind: 'site', siteId: s.id, name: s.name, creditCode: s.creditCode, industry: s.industry, regionCode: s.regionCode };
        return geometry.type === 'Polygon'
          ? polygonFeature(geometry.coordinates.map(toRing), properties, geo)
          : multiPolygonFeature(geometry.coordinates.map((rings) => rings.map(toRing)), properties, geo);
      }),
      geo,
    );
  }

  attribute(lat: number, lon: number): Promise<SiteRef | undefined> {
    return this.sites.attribute(lat, lon);
  }
}

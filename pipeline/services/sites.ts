import type { Principal } from '../domain/roles.js';
import { narrowRegion, regionWithin, scopeOf } from '../domain/scope.js';
import { ConflictError, NotFoundError, UnprocessableError } from '../domain/errors.js';
import type { AuditRepository } from '../repositories/audit.js';
import type { NewSite, SiteRef, SiteRepository, SiteRow } from '../repositories/sites.js';
import { isUniqueViolation, type UnitOfWork } from '../repositories/unit-of-work.js';
import type { Ring, SiteGeometry } from '../domain/sites.js';
import {
  type FeatureCollection,
  featureCollection,
  type GeoJsonOptions,
  multiPolygonFeature,
  polygonFeature,
} from '../geo/geojson.js';
import type { LatLon } from '../geo/wgs84.js';

interface SiteServiceOptions {
  sites: SiteRepository;
  audit: AuditRepository;
  unitOfWork: UnitOfWork;
}

/** The enterprises findings are attributed to. */
export class SiteService {
  private readonly sites: SiteRepository;
  private readonly audit: AuditRepository;
  private readonly unitOfWork: UnitOfWork;

  constructor(options: SiteServiceOptions) {
    this.sites = options.sites;
    this.audit = options.audit;
    this.unitOfWork = options.unitOfWork;
  }

  /**
   * All or nothing, into the caller's organisation: a credit code it already has, or a site outside
   * the caller's region, stops the whole import, naming every one.
   */
  async import(actor: Principal, input: readonly Omit<NewSite, 'organisationId'>[]): Promise<SiteRow[]> {
    const outside = input.flatMap((s, i) =>
      regionWithin(s.regionCode, actor.regionCode) ? [] : [{ index: i, regionCode: s.regionCode }],
    );
    if (outside.length > 0) {
      throw new UnprocessableError(
        `${outside.length} of these sites lie outside your region (${actor.regionCode || 'the whole country'}); nothing was imported`,
        { outside },
      );
    }
    const { created, existing } = await this.insertAll(actor.organisationId, input);
    if (existing.length > 0) {
      throw new ConflictError(`${existing.length} of these sites are already registered; nothing was imported`, {
        existingCreditCodes: existing,
      });
    }
    await this.audit.append({
      actor: actor.name,
      action: 'sites.imported',
      subjectType: 'site',
      subjectId: created.length === 1 ? created[0]!.id : `${created.length} sites`,
      detail: { ids: created.map((s) => s.id) },
    });
    return created;
  }

  /** All the sites or, when the organisation already has some of their credit codes, none and those codes. */
  private async insertAll(
    organisationId: string,
    input: readonly Omit<NewSite, 'organisationId'>[],
  ): Promise<{ created: SiteRow[]; existing: string[] }> {
    const codes = input.map((s) => s.creditCode);
    try {
      return await this.unitOfWork.withTransaction(async (tx) => {
        const taken = await this.sites.takenCodes(organisationId, codes, tx);
        if (taken.length > 0) return { created: [], existing: taken };
        return { created: await this.sites.insertAll(tx, organisationId, input), existing: [] };
      });
    } catch (error) {
      // Two imports racing past the check: the unique index decides, and the loser is told which codes.
      if (isUniqueViolation(error))
        return { created: [], existing: await this.sites.takenCodes(organisationId, codes) };
      throw error;
    }
  }

  async get(principal: Principal, id: string): Promise<SiteRow> {
    const site = await this.sites.getInScope(id, scopeOf(principal));
    if (!site) throw new NotFoundError(`no site ${id}`);
    return site;
  }

  async list(
    principal: Principal,
    options: { regionPrefix?: string | undefined; limit: number; after?: { createdAt: Date; id: string } | undefined },
  ): Promise<SiteRow[]> {
    const regionPrefix = narrowRegion(scopeOf(principal), options.regionPrefix);
    if (regionPrefix === null) return [];
    return this.sites.list({
      organisationId: principal.organisationId,
      regionPrefix,
      limit: options.limit,
      after: options.after,
    });
  }

  /** Sites as GeoJSON features, with their outlines and identifying properties. */
  async geojson(
    principal: Principal,
    options: { regionPrefix?: string | undefined; limit: number },
    geo: GeoJsonOptions,
  ): Promise<FeatureCollection> {
    const rows = await this.list(principal, { regionPrefix: options.regionPrefix, limit: options.limit });
    return featureCollection(
      rows.map((s) => {
        const geometry = s.geometry as SiteGeometry;
        const toRing = (ring: Ring): LatLon[] => ring.map(([lon, lat]) => ({ lat, lon }));
        const properties = {
          kind: 'site',
          siteId: s.id,
          name: s.name,
          creditCode: s.creditCode,
          industry: s.industry,
          regionCode: s.regionCode,
        };
        return geometry.type === 'Polygon'
          ? polygonFeature(geometry.coordinates.map(toRing), properties, geo)
          : multiPolygonFeature(
              geometry.coordinates.map((rings) => rings.map(toRing)),
              properties,
              geo,
            );
      }),
      geo,
    );
  }

  /** The caller's organisation's site at a point, when it lies in their region. */
  async attribute(principal: Principal, lat: number, lon: number): Promise<SiteRef | undefined> {
    return this.sites.attribute(principal.organisationId, lat, lon, principal.regionCode);
  }
}

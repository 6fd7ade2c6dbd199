/**
 * What a caller may see: objects of their organisation whose region lies within theirs. Regions are
 * GB/T 2260 codes and their prefixes: province "41", city "4101", county "410105"; '' is the whole
 * country. Pure.
 */
import type { Principal } from './roles.js';

export interface Scope {
  organisationId: string;
  /** Objects whose region code starts with this are within reach. */
  regionPrefix: string;
}

export const REGION_PREFIX = /^(\d{2}(\d{2}(\d{2})?)?)?$/;

export function scopeOf(principal: Pick<Principal, 'organisationId' | 'regionCode'>): Scope {
  return { organisationId: principal.organisationId, regionPrefix: principal.regionCode };
}

export function regionWithin(regionCode: string, prefix: string): boolean {
  return regionCode.startsWith(prefix);
}

export function inScope(scope: Scope, object: { organisationId: string; regionCode: string }): boolean {
  return object.organisationId === scope.organisationId && regionWithin(object.regionCode, scope.regionPrefix);
}

/**
 * The region prefix a list answers for: the caller's own, narrowed by the one they asked for; null
 * when the two do not overlap (the answer is empty, not an error: the caller asked about a region
 * they cannot see).
 */
export function narrowRegion(scope: Scope, requested: string | undefined): string | null {
  if (requested === undefined) return scope.regionPrefix;
  if (regionWithin(requested, scope.regionPrefix)) return requested;
  if (regionWithin(scope.regionPrefix, requested)) return scope.regionPrefix;
  return null;
}

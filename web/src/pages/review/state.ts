import type { Box } from '../viewer.js';

/** The queue's filters as the form holds them ('' is no filter); the API takes the same names. */
export interface Filters {
  flightId: string;
  siteId: string;
  hazardCode: string;
  severity: '' | 'major' | 'general';
  minScore: string;
}

export const NO_FILTERS: Filters = { flightId: '', siteId: '', hazardCode: '', severity: '', minScore: '' };

/** What the keys and the panel are doing: browsing, a decision dialog, or drawing a missed hazard and then naming its class. */
export type Mode =
  | { kind: 'browse' }
  | { kind: 'reject' }
  | { kind: 'relabel' }
  | { kind: 'draw'; box: Box }
  | { kind: 'missed-class'; box: Box };

/** What the page's keys need from the finding on screen, which only its panel knows. */
export interface OpenFinding {
  canDecide: boolean;
  step(delta: number): void;
}

/**
 * Local tangent plane (east/north metres) around a WGS-84 origin.
 *
 * A survey flight spans a few hundred metres, where the curvature error of a tangent plane is far
 * below a centimetre, so this is exact enough for ground truth and for geo-referencing detections.
 */
const SEMI_MAJOR_AXIS_M = 6_378_137;
const FLATTENING = 1 / 298.257223563;
const ECCENTRICITY_SQ = FLATTENING * (2 - FLATTENING);
const DEG = Math.PI / 180;

export interface LatLon {
  readonly lat: number;
  readonly lon: number;
}

export interface EastNorth {
  readonly east: number;
  readonly north: number;
}

export class LocalTangentPlane {
  private readonly metresPerDegLat: number;
  private readonly metresPerDegLon: number;

  constructor(readonly origin: LatLon) {
    const sinLat = Math.sin(origin.lat * DEG);
    const w = 1 - ECCENTRICITY_SQ * sinLat * sinLat;
    const meridianRadius = (SEMI_MAJOR_AXIS_M * (1 - ECCENTRICITY_SQ)) / Math.pow(w, 1.5);
    const primeVerticalRadius = SEMI_MAJOR_AXIS_M / Math.sqrt(w);
    this.metresPerDegLat = meridianRadius * DEG;
    this.metresPerDegLon = primeVerticalRadius * Math.cos(origin.lat * DEG) * DEG;
  }

  toLatLon(point: EastNorth): LatLon {
    return {
      lat: this.origin.lat + point.north / this.metresPerDegLat,
      lon: this.origin.lon + point.east / this.metresPerDegLon,
    };
  }

  toEastNorth(point: LatLon): EastNorth {
    return {
      east: (point.lon - this.origin.lon) * this.metresPerDegLon,
      north: (point.lat - this.origin.lat) * this.metresPerDegLat,
    };
  }
}

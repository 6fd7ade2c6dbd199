import pg from 'pg';
import type { Photo } from './flight.js';

interface ImageState {
  sha256: string;
  status: string;
  failureKind: string | null;
  failureReason: string | null;
  recoveryAttempts: number;
  detections: number;
  distinctDetections: number;
  models: number;
  processedEntries: number;
}

/** What became of a flight's photos, from the database itself (not the API's summary of it). */
export interface FlightOutcome {
  expected: number;
  processed: number;
  failed: number;
  /** Photos with no image row, or one still unfinished. */
  lost: number;
  /**
   * Photos with more than one image row for their sha256, detections repeated under one ordinal
   * or model, or more detections than a photo with the same pixels (a second set mixed in).
   */
  duplicated: number;
  /** Photos whose processing was recorded more than once in the audit trail (results kept once). */
  processedTwice: number;
  /** Failed photos the sweeper will still retry on its own. */
  retryPending: number;
  /** Flagged detections of live classes not yet merged into findings. */
  unmerged: number;
  flightCompleted: boolean;
  /** What the recovery sweeper did to the flight's photos (audit entries image.recovery.*), by action. */
  recoveryActions: Record<string, number>;
  /** Every photo processed, or failed with no automatic retry left; the flight completed and merged. */
  settled: boolean;
  detail: string[];
}

export async function flightOutcome(input: {
  databaseUrl: string;
  schema: string;
  flightId: string | undefined;
  photos: readonly Photo[];
  maxRecoveryAttempts: number;
  heldBackClasses: readonly string[];
}): Promise<FlightOutcome> {
  const { photos } = input;
  const outcome: FlightOutcome = {
    expected: photos.length,
    processed: 0,
    failed: 0,
    lost: photos.length,
    duplicated: 0,
    processedTwice: 0,
    retryPending: 0,
    unmerged: 0,
    flightCompleted: false,
    recoveryActions: {},
    settled: false,
    detail: [],
  };
  if (!input.flightId) return outcome;
  const client = new pg.Client({ connectionString: input.databaseUrl, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    const s = `"${input.schema}"`;
    const images = await client.query<ImageState>(
      `SELECT i.sha256, i.status, i.failure_kind AS "failureKind", i.failure_reason AS "failureReason",
              i.recovery_attempts AS "recoveryAttempts",
              (SELECT count(*)::int FROM ${s}.detections d WHERE d.image_id = i.id) AS detections,
              (SELECT count(DISTINCT (d.model_sha256, d.ordinal))::int FROM ${s}.detections d WHERE d.image_id = i.id)
                AS "distinctDetections",
              (SELECT count(DISTINCT d.model_sha256)::int FROM ${s}.detections d WHERE d.image_id = i.id) AS models,
              (SELECT count(*)::int FROM ${s}.audit_log a WHERE a.action = 'image.processed' AND a.subject_id = i.id::text)
                AS "processedEntries"
       FROM ${s}.images i WHERE i.flight_id = $1`,
      [input.flightId],
    );
    const flight = await client.query<{ status: string }>(`SELECT status FROM ${s}.flights WHERE id = $1`, [
      input.flightId,
    ]);
    const unmerged = await client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${s}.detections d
         JOIN ${s}.images i ON i.id = d.image_id
         LEFT JOIN ${s}.finding_views v ON v.detection_id = d.id
       WHERE i.flight_id = $1 AND i.status = 'processed' AND d.state = 'flagged' AND v.detection_id IS NULL
         AND NOT (d.class_name = ANY($2::text[]))`,
      [input.flightId, input.heldBackClasses],
    );
    const actions = await client.query<{ action: string; n: number }>(
      `SELECT substring(a.action FROM 'image\\.recovery\\.(.*)') AS action, count(*)::int AS n
         FROM ${s}.audit_log a JOIN ${s}.images i ON a.subject_id = i.id::text
       WHERE i.flight_id = $1 AND a.action LIKE 'image.recovery.%' GROUP BY 1 ORDER BY 1`,
      [input.flightId],
    );
    outcome.recoveryActions = Object.fromEntries(actions.rows.map((r) => [r.action, r.n]));
    outcome.flightCompleted = flight.rows[0]?.status === 'completed';
    outcome.unmerged = unmerged.rows[0]?.n ?? 0;

    const bySha = new Map<string, ImageState[]>();
    for (const row of images.rows) bySha.set(row.sha256, [...(bySha.get(row.sha256) ?? []), row]);
    const expected = new Set(photos.map((p) => p.sha256));
    for (const sha of bySha.keys())
      if (!expected.has(sha)) outcome.detail.push(`an image row this suite never uploaded: ${sha.slice(0, 12)}`);

    // Photos of one source have the same pixels, so the same detections: more than the fewest among
    // them means a second run added to the first one's set.
    const fewestBySource = new Map<string, number>();
    for (const photo of photos) {
      const row = bySha.get(photo.sha256)?.[0];
      if (row?.status !== 'processed') continue;
      fewestBySource.set(photo.source, Math.min(fewestBySource.get(photo.source) ?? Infinity, row.detections));
    }

    outcome.lost = 0;
    for (const photo of photos) {
      const rows = bySha.get(photo.sha256) ?? [];
      const row = rows[0];
      const name = `${photo.filename} (${photo.sha256.slice(0, 12)})`;
      if (!row) {
        outcome.lost++;
        outcome.detail.push(`${name}: no image row`);
        continue;
      }
      const reasons: string[] = [];
      if (rows.length > 1) reasons.push(`${rows.length} image rows`);
      if (row.detections !== row.distinctDetections)
        reasons.push(`${row.detections} detections, ${row.distinctDetections} distinct`);
      if (row.models > 1) reasons.push(`detections of ${row.models} models`);
      const fewest = fewestBySource.get(photo.source);
      if (row.status === 'processed' && fewest !== undefined && row.detections > fewest)
        reasons.push(`${row.detections} detections where the same pixels gave ${fewest}`);
      if (reasons.length) {
        outcome.duplicated++;
        outcome.detail.push(`${name}: duplicated: ${reasons.join('; ')}`);
      }
      if (row.processedEntries > 1) outcome.processedTwice++;
      if (row.status === 'processed') outcome.processed++;
      else if (row.status === 'failed') {
        outcome.failed++;
        outcome.detail.push(
          `${name}: failed (${row.failureKind ?? '?'}, ${row.recoveryAttempts} automatic retries): ${row.failureReason ?? ''}`,
        );
        if (row.failureKind === 'transient' && row.recoveryAttempts < input.maxRecoveryAttempts) outcome.retryPending++;
      } else {
        outcome.lost++;
        outcome.detail.push(`${name}: still ${row.status}`);
      }
    }
    outcome.settled =
      outcome.lost === 0 && outcome.retryPending === 0 && outcome.flightCompleted && outcome.unmerged === 0;
    return outcome;
  } finally {
    await client.end();
  }
}

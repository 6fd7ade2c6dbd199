import { sql } from 'drizzle-orm';
import { FAILURE_KINDS, IMAGE_STATUSES } from '../domain/images.js';
import { FLAG_REASONS, HOLD_DECISIONS, type RegionBoundary } from '../domain/ingest-rules.js';
import { CASE_EVENT_KINDS, CASE_STATUSES } from '../domain/cases.js';
import { DECISIONS, DETECTION_STATES, FINDING_STATUSES } from '../domain/review.js';
import { REVISION_CASE_EFFECTS } from '../domain/revisions.js';
import { ROLES } from '../domain/roles.js';
import {
  type AnyPgColumn,
  bigint,
  bigserial,
  boolean,
  customType,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  real,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

/**
 * One schema for PostgreSQL and PGlite. Tables are unqualified: the connection's search_path picks
 * the schema (DATABASE_SCHEMA), which is how tests isolate themselves. migrations/*.sql create the
 * same tables; test/integration/schema.test.ts checks that the two agree.
 */

export const apiTokens = pgTable(
  'api_tokens',
  {
    id: uuid('id').primaryKey(),
    name: text('name').notNull(),
    role: text('role', { enum: ROLES }).notNull(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    tokenHash: text('token_hash').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    /** Null: never expires (tokens from before expiry existed, or made with --expires-in never). */
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    /** To the minute: written at most once a minute per token. */
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
    /** The successor when the token was rotated. */
    replacedBy: uuid('replaced_by').references((): AnyPgColumn => apiTokens.id),
  },
  (t) => [uniqueIndex('api_tokens_token_hash_key').on(t.tokenHash)],
);

export const organisations = pgTable(
  'organisations',
  {
    id: uuid('id').primaryKey(),
    name: text('name').notNull(),
    /** The jurisdiction: a 2-, 4- or 6-digit GB/T 2260 prefix; '' is the whole country. */
    regionCode: text('region_code').notNull(),
    /** The region on the map (GeoJSON Polygon or MultiPolygon); null: only the country's extent is checked. */
    regionBoundary: jsonb('region_boundary').$type<RegionBoundary>(),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('organisations_name').on(t.name)],
);

export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey(),
    organisationId: uuid('organisation_id')
      .notNull()
      .references(() => organisations.id),
    name: text('name').notNull(),
    /** The part of the organisation's jurisdiction this person works in. */
    regionCode: text('region_code').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    /** The roles tokens may be issued for; taking one away revokes the person's tokens for it. */
    roles: text('roles', { enum: ROLES })
      .array()
      .notNull()
      .default(sql`'{}'`),
  },
  (t) => [uniqueIndex('users_organisation_name').on(t.organisationId, t.name)],
);

export const flights = pgTable('flights', {
  id: uuid('id').primaryKey(),
  organisationId: uuid('organisation_id')
    .notNull()
    .references(() => organisations.id),
  regionCode: text('region_code').notNull(),
  createdByUser: uuid('created_by_user').references(() => users.id),
  name: text('name').notNull(),
  siteName: text('site_name'),
  notes: text('notes'),
  status: text('status', { enum: ['open', 'completed'] }).notNull(),
  createdBy: uuid('created_by').notNull(),
  // Millisecond precision: page cursors carry JavaScript dates, which have no microseconds.
  createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  completedAt: timestamp('completed_at', { withTimezone: true }),
});

export const images = pgTable(
  'images',
  {
    id: uuid('id').primaryKey(),
    flightId: uuid('flight_id')
      .notNull()
      .references(() => flights.id),
    objectKey: text('object_key').notNull(),
    etag: text('etag'),
    sha256: text('sha256'),
    sizeBytes: integer('size_bytes'),
    originalFilename: text('original_filename'),
    width: integer('width'),
    height: integer('height'),
    capture: jsonb('capture'),
    /** Ground footprint as a closed ring of {lat, lon}, when the photo could be projected. */
    footprint: jsonb('footprint'),
    /** Why the photo could not be placed on the ground, when it could not. */
    geoReason: text('geo_reason'),
    status: text('status', { enum: IMAGE_STATUSES }).notNull(),
    failureReason: text('failure_reason'),
    /** Whether the failure may pass (an outage: retried automatically) or not (an unreadable file). */
    failureKind: text('failure_kind', { enum: FAILURE_KINDS }),
    /** How often the recovery sweeper has put the photo back in the queue. */
    recoveryAttempts: integer('recovery_attempts').notNull().default(0),
    lastRecoveryAt: timestamp('last_recovery_at', { withTimezone: true, precision: 3 }),
    /** A person saw the failure and let it be: "retry all" and the sweeper leave it alone. */
    discardedAt: timestamp('discarded_at', { withTimezone: true, precision: 3 }),
    duplicateOf: uuid('duplicate_of'),
    /** Why it was flagged on arrival (outside the region, no position); see domain/ingest-rules.ts. */
    flagReason: text('flag_reason', { enum: FLAG_REASONS }),
    /** What a person decided about a held photo, who and when. */
    holdDecision: text('hold_decision', { enum: HOLD_DECISIONS }),
    holdDecidedBy: uuid('hold_decided_by').references(() => users.id),
    holdDecidedAt: timestamp('hold_decided_at', { withTimezone: true, precision: 3 }),
    holdNote: text('hold_note'),
    registeredVia: text('registered_via', { enum: ['api', 's3-event', 'reconcile'] }).notNull(),
    /** Who put the photo into the flight; null when it arrived by bucket notification or reconciliation. */
    uploadedByUser: uuid('uploaded_by_user').references(() => users.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    processedAt: timestamp('processed_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('images_flight_object_key').on(t.flightId, t.objectKey),
    uniqueIndex('images_flight_sha256')
      .on(t.flightId, t.sha256)
      .where(sql`sha256 IS NOT NULL`),
    index('images_flight_status').on(t.flightId, t.status),
    index('images_sha256')
      .on(t.sha256)
      .where(sql`sha256 IS NOT NULL`),
    index('images_needing_recovery')
      .on(t.createdAt)
      .where(
        sql`status IN ('registered', 'queued', 'processing') OR (status = 'failed' AND failure_kind = 'transient')`,
      ),
  ],
);

export const detections = pgTable(
  'detections',
  {
    id: uuid('id').primaryKey(),
    imageId: uuid('image_id')
      .notNull()
      .references(() => images.id),
    ordinal: integer('ordinal').notNull(),
    modelName: text('model_name').notNull(),
    modelVersion: text('model_version').notNull(),
    modelSha256: text('model_sha256').notNull(),
    className: text('class_name').notNull(),
    hazardCode: text('hazard_code').notNull(),
    severity: text('severity', { enum: ['major', 'general'] }).notNull(),
    score: real('score').notNull(),
    threshold: real('threshold').notNull(),
    x1: real('x1').notNull(),
    y1: real('y1').notNull(),
    x2: real('x2').notNull(),
    y2: real('y2').notNull(),
    state: text('state', { enum: DETECTION_STATES }).notNull(),
    groundLat: doublePrecision('ground_lat'),
    groundLon: doublePrecision('ground_lon'),
    groundErrorM: real('ground_error_m'),
    /** The ground under the box: a closed ring of {lat, lon}. */
    groundPolygon: jsonb('ground_polygon'),
    siteId: uuid('site_id').references(() => sites.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('detections_image_model_ordinal').on(t.imageId, t.modelSha256, t.ordinal),
    index('detections_state').on(t.state, t.createdAt),
  ],
);

export const reviews = pgTable(
  'reviews',
  {
    id: uuid('id').primaryKey(),
    detectionId: uuid('detection_id')
      .notNull()
      .references(() => detections.id),
    reviewerId: uuid('reviewer_id').notNull(),
    reviewerName: text('reviewer_name').notNull(),
    decision: text('decision', { enum: DECISIONS }).notNull(),
    newClass: text('new_class'),
    note: text('note'),
    findingId: uuid('finding_id').references(() => findings.id),
    reviewerUserId: uuid('reviewer_user_id').references(() => users.id),
    /** Why a finding was rejected (REJECT_REASONS). */
    reason: text('reason'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('reviews_detection_key').on(t.detectionId)],
);

export const cases = pgTable(
  'cases',
  {
    id: uuid('id').primaryKey(),
    /** The number people quote (HS-000123). */
    number: bigserial('number', { mode: 'number' }).notNull(),
    organisationId: uuid('organisation_id')
      .notNull()
      .references(() => organisations.id),
    regionCode: text('region_code').notNull(),
    siteId: uuid('site_id').references(() => sites.id),
    flightId: uuid('flight_id')
      .notNull()
      .references(() => flights.id),
    status: text('status', { enum: CASE_STATUSES }).notNull(),
    /** The gravest of its findings', and every hazard among them. */
    severity: text('severity', { enum: ['major', 'general'] }).notNull(),
    hazardCodes: text('hazard_codes').array().notNull(),
    findingsCount: integer('findings_count').notNull(),
    lat: doublePrecision('lat'),
    lon: doublePrecision('lon'),
    dueAt: timestamp('due_at', { withTimezone: true, precision: 3 }),
    dismissalReason: text('dismissal_reason'),
    openedByUser: uuid('opened_by_user').references(() => users.id),
    // Millisecond precision: page cursors carry JavaScript dates, which have no microseconds.
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('cases_number').on(t.number),
    index('cases_organisation_created').on(t.organisationId, t.createdAt, t.id),
    index('cases_organisation_updated').on(t.organisationId, t.updatedAt, t.id),
    index('cases_organisation_status').on(t.organisationId, t.status, t.createdAt, t.id),
    // The keys of the severity and dueAt sorts (CASE_SORTS), so a page stops at the limit.
    index('cases_organisation_severity').on(
      t.organisationId,
      sql`(CASE severity WHEN 'major' THEN 1 ELSE 0 END)`,
      t.createdAt,
      t.id,
    ),
    index('cases_organisation_due_order').on(t.organisationId, sql`coalesce(due_at, 'infinity'::timestamptz)`, t.id),
    index('cases_site').on(t.siteId, t.flightId),
  ],
);

export const caseFindings = pgTable(
  'case_findings',
  {
    caseId: uuid('case_id')
      .notNull()
      .references(() => cases.id),
    findingId: uuid('finding_id').references(() => findings.id),
    /** The view the decision was made on. */
    detectionId: uuid('detection_id')
      .notNull()
      .references(() => detections.id),
    className: text('class_name').notNull(),
    hazardCode: text('hazard_code').notNull(),
    severity: text('severity').notNull(),
    /** What the reviewer decided on, frozen at the decision. */
    evidence: jsonb('evidence').notNull(),
    addedAt: timestamp('added_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.caseId, t.detectionId] }),
    uniqueIndex('case_findings_detection').on(t.detectionId),
    uniqueIndex('case_findings_finding').on(t.findingId),
  ],
);

export const caseEvents = pgTable(
  'case_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    caseId: uuid('case_id')
      .notNull()
      .references(() => cases.id),
    kind: text('kind', { enum: CASE_EVENT_KINDS }).notNull(),
    fromStatus: text('from_status'),
    toStatus: text('to_status'),
    actorUserId: uuid('actor_user_id').references(() => users.id),
    actorName: text('actor_name').notNull(),
    actorRole: text('actor_role').notNull(),
    note: text('note'),
    reason: text('reason'),
    dueAt: timestamp('due_at', { withTimezone: true, precision: 3 }),
    detail: jsonb('detail'),
    at: timestamp('at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [index('case_events_case').on(t.caseId, t.id)],
);

export const caseAttachments = pgTable(
  'case_attachments',
  {
    id: uuid('id').primaryKey(),
    caseId: uuid('case_id')
      .notNull()
      .references(() => cases.id),
    objectKey: text('object_key').notNull(),
    filename: text('filename').notNull(),
    contentType: text('content_type').notNull(),
    sha256: text('sha256').notNull(),
    sizeBytes: integer('size_bytes').notNull(),
    uploadedByUser: uuid('uploaded_by_user').references(() => users.id),
    uploadedByName: text('uploaded_by_name').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('case_attachments_case_sha256').on(t.caseId, t.sha256)],
);

export const missedHazards = pgTable(
  'missed_hazards',
  {
    id: uuid('id').primaryKey(),
    organisationId: uuid('organisation_id')
      .notNull()
      .references(() => organisations.id),
    imageId: uuid('image_id')
      .notNull()
      .references(() => images.id),
    findingId: uuid('finding_id').references(() => findings.id),
    className: text('class_name').notNull(),
    x1: real('x1').notNull(),
    y1: real('y1').notNull(),
    x2: real('x2').notNull(),
    y2: real('y2').notNull(),
    note: text('note'),
    reviewerUserId: uuid('reviewer_user_id')
      .notNull()
      .references(() => users.id),
    reviewerName: text('reviewer_name').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [
    index('missed_hazards_organisation_created').on(t.organisationId, t.createdAt, t.id),
    index('missed_hazards_image').on(t.imageId),
  ],
);

/** Who asked for a presigned upload of which bytes into which flight (separation of duties). */
export const uploadTickets = pgTable(
  'upload_tickets',
  {
    flightId: uuid('flight_id')
      .notNull()
      .references(() => flights.id),
    sha256: text('sha256').notNull(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    /** What the ticket declared (null on tickets from before uploads were verified). */
    sizeBytes: integer('size_bytes'),
    filename: text('filename'),
  },
  (t) => [
    primaryKey({ columns: [t.flightId, t.sha256, t.userId] }),
    index('upload_tickets_user').on(t.userId, t.flightId),
  ],
);

/** Objects that were not the photo their key names: deleted, never images; shown to the operator. */
export const uploadRejections = pgTable(
  'upload_rejections',
  {
    flightId: uuid('flight_id')
      .notNull()
      .references(() => flights.id),
    objectKey: text('object_key').notNull(),
    sha256: text('sha256'),
    filename: text('filename'),
    sizeBytes: integer('size_bytes').notNull(),
    reason: text('reason').notNull(),
    rejectedAt: timestamp('rejected_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.flightId, t.objectKey] })],
);

/**
 * A bureau's override of a model class's manifest default (enabled or not for its flights); the
 * audit trail keeps every change, this row only the current one.
 */
export const classSettings = pgTable(
  'class_settings',
  {
    organisationId: uuid('organisation_id')
      .notNull()
      .references(() => organisations.id),
    modelName: text('model_name').notNull(),
    className: text('class_name').notNull(),
    enabled: boolean('enabled').notNull(),
    note: text('note').notNull(),
    changedByUser: uuid('changed_by_user')
      .notNull()
      .references(() => users.id),
    changedByName: text('changed_by_name').notNull(),
    changedAt: timestamp('changed_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.organisationId, t.modelName, t.className] })],
);

/** The models the deployment was switched to, newest last; migration 0009 keeps the rows unchanged. */
export const modelActivations = pgTable(
  'model_activations',
  {
    id: uuid('id').primaryKey(),
    modelName: text('model_name').notNull(),
    modelVersion: text('model_version').notNull(),
    sha256: text('sha256').notNull(),
    /** Absolute: the API and workers may start from another directory than the CLI ran in. */
    directory: text('directory').notNull(),
    activatedBy: text('activated_by').notNull(),
    note: text('note'),
    activatedAt: timestamp('activated_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [index('model_activations_newest').on(t.activatedAt.desc(), t.id.desc())],
);

export const signingKeys = pgTable('signing_keys', {
  /** The key's fingerprint: sha256 of its public key (SPKI DER). */
  id: text('id').primaryKey(),
  publicKey: text('public_key').notNull(),
  privateKey: text('private_key').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
});

export const auditLog = pgTable('audit_log', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  at: timestamp('at', { withTimezone: true })
    .notNull()
    .default(sql`now()`),
  actor: text('actor').notNull(),
  action: text('action').notNull(),
  subjectType: text('subject_type').notNull(),
  subjectId: text('subject_id').notNull(),
  detail: jsonb('detail'),
  prevHash: text('prev_hash'),
  hash: text('hash'),
});

export const auditHead = pgTable('audit_head', {
  id: integer('id').primaryKey(),
  entries: bigint('entries', { mode: 'number' }).notNull(),
  lastId: bigint('last_id', { mode: 'number' }),
  lastHash: text('last_hash').notNull(),
});

/** PostgreSQL's geometric types, passed as their text form ("((x,y),...)", "(x1,y1),(x2,y2)"). */
const polygon = customType<{ data: string }>({ dataType: () => 'polygon' });
const box = customType<{ data: string }>({ dataType: () => 'box' });

export const sites = pgTable(
  'sites',
  {
    id: uuid('id').primaryKey(),
    organisationId: uuid('organisation_id')
      .notNull()
      .references(() => organisations.id),
    name: text('name').notNull(),
    creditCode: text('credit_code').notNull(),
    industry: text('industry').notNull(),
    regionCode: text('region_code').notNull(),
    contact: jsonb('contact')
      .notNull()
      .default(sql`'{}'::jsonb`),
    geometry: jsonb('geometry').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('sites_organisation_credit_code').on(t.organisationId, t.creditCode),
    index('sites_organisation_region_created').on(t.organisationId, t.regionCode, t.createdAt, t.id),
  ],
);

export const siteParts = pgTable(
  'site_parts',
  {
    siteId: uuid('site_id')
      .notNull()
      .references(() => sites.id, { onDelete: 'cascade' }),
    part: integer('part').notNull(),
    polygon: integer('polygon').notNull(),
    hole: boolean('hole').notNull(),
    outline: polygon('outline').notNull(),
    bounds: box('bounds').notNull(),
  },
  (t) => [primaryKey({ columns: [t.siteId, t.part] }), index('site_parts_bounds').using('gist', t.bounds)],
);

export const findings = pgTable(
  'findings',
  {
    id: uuid('id').primaryKey(),
    flightId: uuid('flight_id')
      .notNull()
      .references(() => flights.id),
    className: text('class_name').notNull(),
    hazardCode: text('hazard_code').notNull(),
    severity: text('severity').notNull(),
    lat: doublePrecision('lat'),
    lon: doublePrecision('lon'),
    errorM: real('error_m'),
    siteId: uuid('site_id').references(() => sites.id),
    bestDetectionId: uuid('best_detection_id')
      .notNull()
      .references(() => detections.id),
    bestScore: real('best_score').notNull(),
    viewCount: integer('view_count').notNull(),
    /** The sighting of this hazard just before this one, by capture time (domain/ingest-rules.ts). */
    recurringOf: uuid('recurring_of'),
    /** When its photos were taken (the earliest); null only for rows from before it was kept. */
    capturedAt: timestamp('captured_at', { withTimezone: true, precision: 3 }),
    organisationId: uuid('organisation_id')
      .notNull()
      .references(() => organisations.id),
    /** The attributed site's region, or the flight's when there is no site. */
    regionCode: text('region_code').notNull(),
    /** Who flew (created) the flight: separation of duties keeps them from deciding it. */
    flownBy: uuid('flown_by'),
    status: text('status', { enum: FINDING_STATUSES }).notNull().default('pending'),
    decidedAt: timestamp('decided_at', { withTimezone: true, precision: 3 }),
    leaseUserId: uuid('lease_user_id'),
    leaseHolder: text('lease_holder'),
    leaseExpiresAt: timestamp('lease_expires_at', { withTimezone: true, precision: 3 }),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [
    index('findings_flight_score').on(t.flightId, t.bestScore, t.id),
    index('findings_site_hazard_created').on(t.siteId, t.hazardCode, t.createdAt),
    index('findings_recurrence')
      .on(t.organisationId, t.hazardCode, t.lat, t.lon)
      .where(sql`lat IS NOT NULL`),
    // The queue's order; the migration adds INCLUDE (hazard_code, class_name, severity, region_code,
    // flown_by), which Drizzle cannot express, so counts under a minimum score need not visit the rows.
    index('findings_queue')
      .on(t.organisationId, t.bestScore, t.id)
      .where(sql`status = 'pending'`),
    // The columns the queue's counts always filter and group on, so they need not visit the rows.
    index('findings_queue_facets')
      .on(t.organisationId, t.hazardCode, t.className, t.severity, t.regionCode, t.flownBy)
      .where(sql`status = 'pending'`),
  ],
);

export const findingViews = pgTable(
  'finding_views',
  {
    findingId: uuid('finding_id')
      .notNull()
      .references(() => findings.id),
    detectionId: uuid('detection_id')
      .notNull()
      .references(() => detections.id),
    rank: integer('rank').notNull(),
    merit: real('merit').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.findingId, t.detectionId] }),
    uniqueIndex('finding_views_detection').on(t.detectionId),
  ],
);

/** Decisions revised after they were made (domain/revisions.ts); the original review stays in reviews. */
export const findingRevisions = pgTable(
  'finding_revisions',
  {
    id: uuid('id').primaryKey(),
    findingId: uuid('finding_id')
      .notNull()
      .references(() => findings.id),
    fromStatus: text('from_status', { enum: ['confirmed', 'rejected', 'relabelled'] }).notNull(),
    toStatus: text('to_status', { enum: ['confirmed', 'rejected', 'relabelled'] }).notNull(),
    fromClass: text('from_class'),
    toClass: text('to_class'),
    reason: text('reason').notNull(),
    actorUserId: uuid('actor_user_id').references(() => users.id),
    actorName: text('actor_name').notNull(),
    actorRole: text('actor_role').notNull(),
    caseId: uuid('case_id').references(() => cases.id),
    caseEffect: text('case_effect', { enum: REVISION_CASE_EFFECTS }),
    /** The case link the finding took with it when it left a case, frozen evidence included. */
    removedLink: jsonb('removed_link'),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [index('finding_revisions_finding').on(t.findingId, t.createdAt)],
);

export const schema = {
  organisations,
  users,
  apiTokens,
  flights,
  images,
  detections,
  reviews,
  sites,
  siteParts,
  findings,
  findingViews,
  cases,
  caseFindings,
  caseEvents,
  caseAttachments,
  findingRevisions,
  missedHazards,
  signingKeys,
  uploadTickets,
  uploadRejections,
  classSettings,
  modelActivations,
  auditLog,
  auditHead,
};

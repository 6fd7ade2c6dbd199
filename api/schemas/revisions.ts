import { z } from 'zod';
import { DECISIONS, FINDING_STATUSES } from '../../pipeline/domain/review.js';
import { HISTORY_KINDS, REVISION_CASE_EFFECTS } from '../../pipeline/domain/revisions.js';
import { Timestamp, Uuid } from './common.js';
import { CaseRef } from './resources.js';

const HistoryEvent = z
  .object({
    kind: z.enum(HISTORY_KINDS),
    at: Timestamp,
    actor: z.object({ name: z.string(), role: z.string() }).nullable(),
    decision: z.enum(DECISIONS).nullable(),
    fromStatus: z.enum(FINDING_STATUSES).nullable(),
    toStatus: z.enum(FINDING_STATUSES).nullable(),
    fromClass: z.string().nullable().describe('The class the finding stood as before'),
    toClass: z.string().nullable().describe('The class it stands as after; null when rejected'),
    reason: z.string().nullable().describe('A rejection’s reason code, or a revision’s reason in words'),
    note: z.string().nullable(),
    detection: z
      .object({ id: Uuid, model: z.string(), className: z.string(), hazardCode: z.string(), score: z.number() })
      .nullable()
      .describe('For detected: the view the model found'),
    case: z.object({ id: Uuid, reference: z.string() }).nullable(),
  })
  .describe('One step of a finding’s history; fields that do not apply to its kind are null');

export const FindingHistory = z.object({
  items: z.array(HistoryEvent).describe('Oldest first'),
  canRevise: z.boolean().describe('Whether the caller may revise the decision that stands'),
});

export const Revision = z
  .object({
    decision: z.enum(DECISIONS),
    label: z.string().min(1).max(100).optional().describe('The class, for relabel'),
    reason: z.string().trim().min(1, 'say why the decision is revised').max(2000),
  })
  .strict();

export const RevisionResult = z.object({
  id: Uuid,
  findingId: Uuid,
  fromStatus: z.enum(FINDING_STATUSES),
  findingStatus: z.enum(FINDING_STATUSES),
  fromClass: z.string().nullable(),
  toClass: z.string().nullable(),
  reason: z.string(),
  case: CaseRef.nullable().describe('The case the revision changed, if any'),
  caseEffect: z
    .enum(REVISION_CASE_EFFECTS)
    .nullable()
    .describe('left, dismissed (it was the last finding), joined, opened or relabelled'),
  createdAt: Timestamp,
});

const FINDING_ID = '0b6f2f0e-5a1d-4d8e-9a43-1f3c5d7e9a21';
const CASE = { id: '5c9e7d1a-2b3f-4c5d-8e6f-7a8b9c0d1e2f', reference: 'HS-000042' };

export const REVISION_EXAMPLE = {
  decision: 'reject',
  reason: 'The "smoke" is steam from the canteen vent; see the second view',
} as const;

export const REVISION_RESULT_EXAMPLE = {
  id: '9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a',
  findingId: FINDING_ID,
  fromStatus: 'confirmed',
  findingStatus: 'rejected',
  fromClass: 'smoke',
  toClass: null,
  reason: REVISION_EXAMPLE.reason,
  case: { ...CASE, status: 'filed', siteId: null, findingsCount: 1, hazardCodes: ['FIRE-OPEN-FLAME'] },
  caseEffect: 'left',
  createdAt: '2026-12-06T03:10:00.000Z',
} as const;

const NONE = {
  actor: null,
  decision: null,
  fromStatus: null,
  toStatus: null,
  fromClass: null,
  toClass: null,
  reason: null,
  note: null,
  detection: null,
  case: null,
} as const;

export const HISTORY_EXAMPLE = {
  canRevise: true,
  items: [
    {
      ...NONE,
      kind: 'detected',
      at: '2026-12-05T09:12:03.000Z',
      detection: {
        id: '3e2d1c0b-9a8f-4e7d-8c6b-5a4f3e2d1c0b',
        model: 'hazard-v2 2.0.0',
        className: 'smoke',
        hazardCode: 'FIRE-SMOKE',
        score: 0.81,
      },
    },
    {
      ...NONE,
      kind: 'decided',
      at: '2026-12-05T10:02:40.000Z',
      actor: { name: 'Li Na', role: 'reviewer' },
      decision: 'confirm',
      fromStatus: 'pending',
      toStatus: 'confirmed',
      fromClass: 'smoke',
      toClass: 'smoke',
    },
    {
      ...NONE,
      kind: 'case_opened',
      at: '2026-12-05T10:02:40.000Z',
      actor: { name: 'Li Na', role: 'reviewer' },
      case: CASE,
    },
    {
      ...NONE,
      kind: 'revised',
      at: '2026-12-06T03:10:00.000Z',
      actor: { name: 'Wang Qiang', role: 'admin' },
      decision: 'reject',
      fromStatus: 'confirmed',
      toStatus: 'rejected',
      fromClass: 'smoke',
      reason: REVISION_EXAMPLE.reason,
    },
    {
      ...NONE,
      kind: 'case_left',
      at: '2026-12-06T03:10:00.000Z',
      actor: { name: 'Wang Qiang', role: 'admin' },
      fromClass: 'smoke',
      note: REVISION_EXAMPLE.reason,
      case: CASE,
    },
  ],
};

/**
 * What people read for the codes the system stores, in Simplified Chinese and English. Shared by
 * the printable evidence report and the web app, so a status reads the same on paper and on screen.
 */
import type { CaseStatus, DismissalReason } from './cases.js';
import type { RejectReason } from './review.js';

export type Language = 'zh' | 'en';
export type Label = Readonly<Record<Language, string>>;

export const HAZARD_LABELS: Readonly<Record<string, Label>> = {
  'FIRE-OPEN-FLAME': { zh: '明火', en: 'Open fire' },
  'FIRE-SMOKE': { zh: '烟雾', en: 'Smoke' },
  'EGRESS-BLOCKED-EXIT': { zh: '安全出口堵塞', en: 'Blocked fire exit' },
  'FALL-UNGUARDED-EDGE': { zh: '临边洞口无防护', en: 'Unguarded edge or opening' },
  'PPE-NO-HELMET': { zh: '作业人员未戴安全帽', en: 'Worker without a hard hat' },
  'CHEM-DRUMS-OUTSIDE-BUND': { zh: '化学品桶存放于围堰外', en: 'Chemical drums outside the bund' },
};

export const CLASS_LABELS: Readonly<Record<string, Label>> = {
  fire: HAZARD_LABELS['FIRE-OPEN-FLAME']!,
  smoke: HAZARD_LABELS['FIRE-SMOKE']!,
  blocked_exit: HAZARD_LABELS['EGRESS-BLOCKED-EXIT']!,
  unguarded_edge: HAZARD_LABELS['FALL-UNGUARDED-EDGE']!,
  no_helmet: HAZARD_LABELS['PPE-NO-HELMET']!,
  drums_outside_bund: HAZARD_LABELS['CHEM-DRUMS-OUTSIDE-BUND']!,
};

export const SEVERITY_LABELS: Readonly<Record<'major' | 'general', Label>> = {
  major: { zh: '重大隐患', en: 'Major' },
  general: { zh: '一般隐患', en: 'General' },
};

export const CASE_STATUS_LABELS: Readonly<Record<CaseStatus, Label>> = {
  filed: { zh: '已立案', en: 'Filed' },
  notified: { zh: '已告知企业', en: 'Notified' },
  rectification_due: { zh: '限期整改', en: 'Rectification due' },
  rectified: { zh: '已整改', en: 'Rectified' },
  verified: { zh: '已复核', en: 'Verified' },
  closed: { zh: '已结案', en: 'Closed' },
  dismissed: { zh: '已撤销', en: 'Dismissed' },
};

export const REJECT_REASON_LABELS: Readonly<Record<RejectReason, Label>> = {
  false_positive: { zh: '误报（非隐患目标）', en: 'False alarm: not what the model says' },
  not_a_violation: { zh: '存在但不违规', en: 'Real, but not a violation' },
  duplicate: { zh: '重复', en: 'Duplicate of another finding' },
  unclear_image: { zh: '图像不清，无法判断', en: 'Photo too unclear to decide' },
  outside_scope: { zh: '不属本辖区或监管范围', en: 'Outside our jurisdiction or scope' },
  other: { zh: '其他（请说明）', en: 'Other (say why)' },
};

export const DECISION_LABELS: Readonly<Record<string, Label>> = {
  confirm: { zh: '确认', en: 'Confirmed' },
  reject: { zh: '驳回', en: 'Rejected' },
  relabel: { zh: '改判', en: 'Relabelled' },
};

export const DISMISSAL_REASON_LABELS: Readonly<Record<DismissalReason, Label>> = {
  not_a_violation: { zh: '不构成违法', en: 'Not a violation' },
  duplicate: { zh: '重复立案', en: 'Duplicate case' },
  wrong_site: { zh: '责任主体有误', en: 'Wrong site' },
  insufficient_evidence: { zh: '证据不足', en: 'Insufficient evidence' },
  enterprise_closed: { zh: '企业已关停', en: 'Enterprise closed' },
  other: { zh: '其他', en: 'Other' },
};

/** The label of a code in a language, or the code itself when it has none (a class of a model of one's own). */
export function labelOf(labels: Readonly<Record<string, Label>>, code: string, language: Language): string {
  return labels[code]?.[language] ?? code;
}

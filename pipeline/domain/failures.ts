/**
 * Why photos fail, in a handful of categories an operator can act on: a metric label must not
 * carry free text (every distinct message would be a new time series), and a runbook entry is
 * written per category, not per message.
 */
export const FAILURE_CATEGORIES = [
  'undecodable',
  'content_mismatch',
  'missing',
  'storage',
  'database',
  'queue',
  'inference',
  'stalled',
  'other',
] as const;
export type FailureCategory = (typeof FAILURE_CATEGORIES)[number];

const RULES: Array<[RegExp, FailureCategory]> = [
  [/not a decodable image|unsupported image format|corrupt|truncated/i, 'undecodable'],
  [/sha256 .* does not match/i, 'content_mismatch'],
  [/no longer exists/i, 'missing'],
  [/stalled more than allowable limit/i, 'stalled'],
  [/could not read the original|storage|s3|nosuchkey|bucket/i, 'storage'],
  [/postgres|database|connection terminated|too many clients|:5432|relation .* does not exist/i, 'database'],
  [/redis|:6379|connection is closed/i, 'queue'],
  [/inference|onnx|session/i, 'inference'],
];

export function failureCategory(reason: string | null | undefined): FailureCategory {
  if (!reason) return 'other';
  for (const [pattern, category] of RULES) if (pattern.test(reason)) return category;
  return 'other';
}

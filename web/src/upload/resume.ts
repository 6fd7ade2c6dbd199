/**
 * The upload under way, kept in localStorage so that a reload, a crash or a closed tab can pick it up:
 * the browser cannot keep the chosen files across a reload, so the operator chooses the folder again
 * and what the server already has is skipped. Only the flight is kept; the server's list of photos is
 * the truth about what arrived.
 */
const KEY = 'hazardscope.upload';

export interface UnfinishedUpload {
  flightId: string;
  name: string;
  /** Photos chosen when it started, to tell the operator how many to expect. */
  photos: number;
  startedAt: string;
}

export function unfinishedUpload(): UnfinishedUpload | null {
  try {
    const value = JSON.parse(localStorage.getItem(KEY) ?? 'null') as Partial<UnfinishedUpload> | null;
    if (value && typeof value.flightId === 'string' && typeof value.name === 'string')
      return {
        flightId: value.flightId,
        name: value.name,
        photos: Number(value.photos) || 0,
        startedAt: String(value.startedAt),
      };
  } catch {
    // Written by something else, or cut short: nothing to resume.
  }
  return null;
}

export function rememberUpload(upload: UnfinishedUpload): void {
  localStorage.setItem(KEY, JSON.stringify(upload));
}

export function forgetUpload(): void {
  localStorage.removeItem(KEY);
}

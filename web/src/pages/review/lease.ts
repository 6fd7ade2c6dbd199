import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from '../../api.js';
import type { LeaseTaken, Me } from '../../api/types.js';

const LEASE_RENEW_MS = 30_000;

export interface LeaseState {
  state: 'mine' | 'other' | 'forbidden' | 'decided' | 'readonly' | 'pending';
  /** Who holds it ('other'), or the status it was decided to ('decided'). */
  holder?: string;
  until?: string;
}

/**
 * The lease on the open finding: held while the finding is open, renewed, given back when the
 * reviewer moves on. Taken once per finding: the arguments of later renders are not looked at.
 */
export function useLease({
  findingId,
  me,
  holdsDecision,
  onError,
}: {
  findingId: string;
  me: Me;
  holdsDecision: (findingId: string) => boolean;
  onError: (error: unknown) => void;
}): LeaseState {
  const [lease, setLease] = useState<LeaseState>({ state: 'pending' });
  useEffect(() => {
    // Admins see the queue but decide nothing: no lease to take.
    if (me.role !== 'reviewer') {
      setLease({ state: 'readonly' });
      return;
    }
    let live = true;
    const take = () =>
      api<LeaseTaken>('POST', `/findings/${findingId}/lease`).then(
        (r) => live && setLease({ state: 'mine', until: r.expiresAt }),
        (error: unknown) => {
          if (!live) return;
          if (error instanceof ApiError && error.status === 409 && error.problem.context?.leaseHolder)
            setLease({
              state: 'other',
              // eslint-disable-next-line @typescript-eslint/no-base-to-string -- the API sends a string; String() keeps anything else printable
              holder: String(error.problem.context.leaseHolder),
              until: String(error.problem.context.leaseExpiresAt),
            });
          else if (error instanceof ApiError && error.status === 409 && error.problem.context?.status)
            // eslint-disable-next-line @typescript-eslint/no-base-to-string -- the API sends a string; String() keeps anything else printable
            setLease({ state: 'decided', holder: String(error.problem.context.status) });
          else if (error instanceof ApiError && error.status === 403) setLease({ state: 'forbidden' });
          else onError(error);
        },
      );
    void take();
    const timer = setInterval(take, LEASE_RENEW_MS);
    return () => {
      live = false;
      clearInterval(timer);
      // A decision waiting out its undo keeps the lease; the server clears it with the decision.
      if (!holdsDecision(findingId)) void api('DELETE', `/findings/${findingId}/lease`).catch(() => undefined);
    };
  }, [findingId]);
  return lease;
}

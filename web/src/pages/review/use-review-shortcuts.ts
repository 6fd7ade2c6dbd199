import type { Decision, Me } from '../../api/types.js';
import { useShortcuts } from '../../keys.js';
import type { Box, ViewerHandle } from '../viewer.js';
import type { Mode, OpenFinding } from './state.js';
import type { ReviewQueue } from './use-review-queue.js';

/**
 * The workstation's keys (the help dialog lists them). While a missed hazard is drawn the arrows
 * move or (with Shift) size its box; otherwise they pan the photo. Off while a decision dialog is open.
 */
export function useReviewShortcuts({
  me,
  queue,
  mode,
  setMode,
  viewer,
  openFinding,
  decide,
}: {
  me: Me;
  queue: ReviewQueue;
  mode: Mode;
  setMode: (m: Mode) => void;
  viewer: { current: ViewerHandle | undefined };
  openFinding: OpenFinding | undefined;
  decide: (body: Decision) => void;
}): void {
  const { current, items, setIndex, undo } = queue;
  useShortcuts(
    (e) => {
      if (mode.kind === 'draw') {
        const step = Math.max(4, Math.round((current?.image.width ?? 1000) / 200)) * (e.altKey ? 5 : 1);
        const [x1, y1, x2, y2] = mode.box;
        const w = current?.image.width ?? 0;
        const h = current?.image.height ?? 0;
        const moves: Record<string, Box> = e.shiftKey
          ? {
              ArrowRight: [x1, y1, Math.min(w, x2 + step), y2],
              ArrowLeft: [x1, y1, Math.max(x1 + 8, x2 - step), y2],
              ArrowDown: [x1, y1, x2, Math.min(h, y2 + step)],
              ArrowUp: [x1, y1, x2, Math.max(y1 + 8, y2 - step)],
            }
          : {
              ArrowRight: [Math.min(w - (x2 - x1), x1 + step), y1, Math.min(w, x2 + step), y2],
              ArrowLeft: [Math.max(0, x1 - step), y1, Math.max(x2 - x1, x2 - step), y2],
              ArrowDown: [x1, Math.min(h - (y2 - y1), y1 + step), x2, Math.min(h, y2 + step)],
              ArrowUp: [x1, Math.max(0, y1 - step), x2, Math.max(y2 - y1, y2 - step)],
            };
        if (moves[e.key]) {
          setMode({ kind: 'draw', box: moves[e.key]! });
          return true;
        }
        if (e.key === 'Enter') {
          setMode({ kind: 'missed-class', box: mode.box });
          return true;
        }
        if (e.key === 'Escape') {
          setMode({ kind: 'browse' });
          return true;
        }
      }
      if (e.key === '+' || e.key === '=') return (viewer.current?.zoom(1.5), true);
      if (e.key === '-' || e.key === '_') return (viewer.current?.zoom(1 / 1.5), true);
      if (e.key === '0') return (viewer.current?.fit(), true);
      if (e.key.startsWith('Arrow')) {
        const d = 120;
        viewer.current?.pan(
          e.key === 'ArrowLeft' ? d : e.key === 'ArrowRight' ? -d : 0,
          e.key === 'ArrowUp' ? d : e.key === 'ArrowDown' ? -d : 0,
        );
        return true;
      }
      const key = e.key.toLowerCase();
      if (key === 'u' || (e.ctrlKey && key === 'z')) return (undo(), true);
      if (e.ctrlKey) return false;
      if (key === 'j') return (setIndex((n) => Math.min(items.length - 1, n + 1)), true);
      if (key === 'k') return (setIndex((n) => Math.max(0, n - 1)), true);
      if (key === '[' || key === ']') return (openFinding?.step(key === ']' ? 1 : -1), true);
      // Skipping is most needed exactly when the finding cannot be decided (someone holds it).
      if (key === 's') return (setIndex((n) => (n + 1 < items.length ? n + 1 : n)), true);
      if (!current) return false;
      if (key === 'm' && me.role === 'reviewer' && current.image.width) {
        const [cx, cy] = viewer.current?.centre() ?? [current.image.width / 2, current.image.height! / 2];
        const side = Math.round(Math.min(current.image.width, current.image.height!) / 12);
        setMode({
          kind: 'draw',
          box: [
            Math.max(0, cx - side),
            Math.max(0, cy - side),
            Math.min(current.image.width, cx + side),
            Math.min(current.image.height!, cy + side),
          ],
        });
        return true;
      }
      if (!openFinding?.canDecide) return false;
      if (key === 'c') return (decide({ decision: 'confirm' }), true);
      if (key === 'r') return (setMode({ kind: 'reject' }), true);
      if (key === 'l') return (setMode({ kind: 'relabel' }), true);
      return false;
    },
    mode.kind === 'browse' || mode.kind === 'draw',
  );
}

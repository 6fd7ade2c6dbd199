/** Where to cut a detection out of its photo so a person sees the hazard and what is around it. Pure. */

export interface Rect {
  left: number;
  top: number;
  width: number;
  height: number;
}

/**
 * A window around the box `context` times its size (at least `minSide` pixels a side), moved
 * inside the photo rather than cut off at an edge, and whole pixels.
 */
export function cropWindow(
  box: readonly [number, number, number, number],
  imageWidth: number,
  imageHeight: number,
  context = 2.5,
  minSide = 256,
): Rect {
  const [x1, y1, x2, y2] = box;
  const cx = (x1 + x2) / 2;
  const cy = (y1 + y2) / 2;
  const width = Math.min(imageWidth, Math.max(minSide, (x2 - x1) * context));
  const height = Math.min(imageHeight, Math.max(minSide, (y2 - y1) * context));
  const left = Math.min(Math.max(0, cx - width / 2), imageWidth - width);
  const top = Math.min(Math.max(0, cy - height / 2), imageHeight - height);
  const l = Math.floor(left);
  const t = Math.floor(top);
  return {
    left: l,
    top: t,
    width: Math.min(imageWidth - l, Math.ceil(left + width) - l),
    height: Math.min(imageHeight - t, Math.ceil(top + height) - t),
  };
}

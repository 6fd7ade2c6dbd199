/** Boxes and labels drawn over a photo, as an SVG the size of the output image. Pure. */

interface LabelledBox {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  label: string;
  colour: string;
}

/** `scale` maps photo pixels to output pixels; line width and text grow with the output size. */
export function boxesOverlaySvg(width: number, height: number, boxes: readonly LabelledBox[], scale = 1): string {
  const stroke = Math.max(2, Math.round(width / 400));
  const fontSize = stroke * 7;
  const shapes = boxes
    .map((b) => {
      const x = b.x1 * scale;
      const y = b.y1 * scale;
      // The label sits on a dark band above the box (inside it at the top edge), readable on any photo.
      const labelTop = y - fontSize * 1.3 >= 0 ? y - fontSize * 1.3 : y;
      const labelWidth = b.label.length * fontSize * 0.6 + stroke * 2;
      return (
        `<rect x="${x}" y="${y}" width="${(b.x2 - b.x1) * scale}" height="${(b.y2 - b.y1) * scale}" fill="none" stroke="${escapeXml(b.colour)}" stroke-width="${stroke}"/>` +
        `<rect x="${x}" y="${labelTop}" width="${labelWidth}" height="${fontSize * 1.3}" fill="#000" fill-opacity="0.6"/>` +
        `<text x="${x + stroke}" y="${labelTop + fontSize}" font-family="sans-serif" font-size="${fontSize}" fill="${escapeXml(b.colour)}">${escapeXml(b.label)}</text>`
      );
    })
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${shapes}</svg>`;
}

export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A distinct, stable colour per class index (golden-angle hues). */
export function classColour(classIndex: number): string {
  return `hsl(${Math.round((classIndex * 137.508) % 360)}, 90%, 55%)`;
}

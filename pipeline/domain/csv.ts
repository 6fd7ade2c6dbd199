/**
 * CSV for people who open it in a spreadsheet (RFC 4180). Pure.
 */

/**
 * A byte-order mark first: without it Excel reads UTF-8 as the local code page and Chinese site
 * names turn into mojibake.
 */
export const CSV_BOM = '\uFEFF';

/**
 * One field. Quoted when it holds a comma, quote or line break; a leading =, +, -, @, tab or
 * carriage return gets a ' so a spreadsheet shows text instead of running it as a formula
 * (a site name like "=HYPERLINK(...)" in an export must not become a link).
 */
export function csvField(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  let text = typeof value === 'string' ? value : String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvRow(values: ReadonlyArray<string | number | boolean | null | undefined>): string {
  return `${values.map(csvField).join(',')}\r\n`;
}

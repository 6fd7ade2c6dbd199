/** The browser tests' chromium (scripts/chromium.ts, shared with the benches) and when it cannot run. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { CHROMIUM } from '../../scripts/chromium.js';
import { ROOT } from '../integration/harness.js';

export { launchChromium } from '../../scripts/chromium.js';

/** Why a browser test cannot run here, or undefined when it can; `page`: the built page it opens. */
export function browserMissing(page = 'index.html'): string | undefined {
  if (!existsSync(CHROMIUM))
    return `no chromium at ${CHROMIUM} (apt-get install chromium, or set HAZARDSCOPE_CHROMIUM)`;
  if (!existsSync(path.join(ROOT, 'web/dist', page)))
    return `web/dist/${page} is not built (npm test builds it; or npm run build:web)`;
  return undefined;
}

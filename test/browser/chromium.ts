/** Debian's chromium driven by playwright-core, as the browser tests and bench:upload start it. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { ROOT } from '../integration/harness.js';

export const CHROMIUM = process.env.HAZARDSCOPE_CHROMIUM ?? '/usr/bin/chromium';

/** Why a browser test cannot run here, or undefined when it can. */
export function browserMissing(): string | undefined {
  if (!existsSync(CHROMIUM))
    return `no chromium at ${CHROMIUM} (apt-get install chromium, or set HAZARDSCOPE_CHROMIUM)`;
  if (!existsSync(path.join(ROOT, 'web/dist/index.html')))
    return 'the web app is not built (npm test builds it; or npm run build:web)';
  return undefined;
}

export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    // As the machine's probe starts it: without the background-networking flags chromium keeps
    // trying hosts this closed network refuses.
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...extraArgs,
    ],
  });
}

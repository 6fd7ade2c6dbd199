/** Debian's chromium driven by playwright-core, as the browser tests and bench:upload-memory start it. */
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM = process.env.HAZARDSCOPE_CHROMIUM ?? '/usr/bin/chromium';

export function launchChromium(extraArgs: string[] = [], executablePath = CHROMIUM): Promise<Browser> {
  return chromium.launch({
    executablePath,
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

// The system's Chromium, driven by playwright-core, for tests of our pages (the collector's
// status page, the players). We use the distribution's browser rather than Playwright's
// downloaded one so setup stays `apt-get install chromium`, and a missing browser fails
// the test with a clear message instead of skipping it.
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { type Browser, chromium } from 'playwright-core';

const DEFAULT_EXECUTABLE = '/usr/bin/chromium';

/** Headless Chromium at `ROOMCAST_CHROMIUM` (default /usr/bin/chromium). Close it when done. */
export async function launchChromium(): Promise<Browser> {
  const executablePath = process.env.ROOMCAST_CHROMIUM ?? DEFAULT_EXECUTABLE;
  try {
    await access(executablePath, constants.X_OK);
  } catch {
    throw new Error(
      `Chromium not found or not executable at ${executablePath}: install it ` +
        `(apt-get install chromium) or set ROOMCAST_CHROMIUM to its path`,
    );
  }
  const args = [
    // Containers give /dev/shm 64 MB, which makes Chromium's renderers crash under load.
    '--disable-dev-shm-usage',
  ];
  // Chromium refuses to start its sandbox as root (CI containers run tests as uid 0);
  // anywhere else the sandbox stays on.
  if (process.getuid?.() === 0) args.push('--no-sandbox');
  return await chromium.launch({ executablePath, headless: true, args });
}

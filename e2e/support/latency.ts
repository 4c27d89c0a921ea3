// Glass-to-glass latency as the watch page sees it: the playlists' PROGRAM-DATE-TIME is the
// collector's capture clock, so `Date.now() − playingDate()` is the age of the frame on
// screen. Test and benchmark run everything on one machine, so both ends share a clock.
import type { Page } from 'playwright-core';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Frame ages (ms), one every `everyMs` for `seconds`; none while the date is unknown. */
export async function sampleFrameAges(page: Page, seconds: number, everyMs = 250) {
  const samples: number[] = [];
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    const age = await page.evaluate(() => {
      const player = (window as unknown as { roomcastPlayer: { playingDate(): number | null } })
        .roomcastPlayer;
      const date = player.playingDate();
      return date === null ? null : Date.now() - date;
    });
    if (age !== null) samples.push(age);
    await sleep(everyMs);
  }
  return samples;
}

/** The p-th percentile (nearest rank) of samples. */
export function percentile(samples: readonly number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

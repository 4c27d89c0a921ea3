// The quality menu: which renditions a viewer can pick and what they are called. The
// encoder's master playlist has no NAME attribute; a rendition's name is the directory of
// its playlist (`…/360p/index.m3u8` → '360p'), the same name the room detail lists.
import type { Rendition } from '../api.ts';

/** The name of the rendition whose media playlist is at `url` ('' when it has no directory). */
export function levelNameFromUrl(url: string): string {
  let path: string;
  try {
    path = new URL(url, 'http://relative.invalid/').pathname;
  } catch {
    return '';
  }
  const parts = path.split('/');
  if (parts.length < 3) return '';
  try {
    return decodeURIComponent(parts[parts.length - 2]!);
  } catch {
    return parts[parts.length - 2]!;
  }
}

/** What the menu needs of an hls.js level. */
export interface LevelInfo {
  url: string;
  height: number;
  bitrate: number;
}

export interface MenuLevel {
  name: string;
  /** hls.js level index; AUDIO_ONLY for the audio playlist played on its own. */
  index: number;
}

export const AUDIO_ONLY = -1;

/** The room's audio-only rendition, if its ladder has one. */
export function audioRendition(renditions: readonly Rendition[]): Rendition | undefined {
  return renditions.find((r) => r.name === 'audio' || r.codec === 'aac' || r.codec === 'audio');
}

/**
 * The menu, best first: the playable levels in the room's ladder order (the edge lists it
 * best first; a source passed through may be no taller than a rung below it, so height
 * alone cannot say), levels the ladder does not name after them by height then bitrate,
 * then "audio only" when the room has it. hls.js drops audio-only variants when there are
 * video ones, so the audio rendition is played from its own playlist rather than as a
 * level; if hls.js did keep it (no CODECS to tell), it is not listed twice.
 */
export function qualityMenu(
  levels: readonly LevelInfo[],
  renditions: readonly Rendition[],
): MenuLevel[] {
  const audio = audioRendition(renditions);
  const ladderRank = (name: string) => {
    const rank = renditions.findIndex((r) => r.name === name);
    return rank === -1 ? renditions.length : rank;
  };
  const ranked = levels
    .map((level, index) => {
      const name = levelNameFromUrl(level.url) ||
        (level.height ? `${level.height}p` : `level ${index + 1}`);
      return { level, index, name, rank: ladderRank(name) };
    })
    .sort((a, b) =>
      a.rank - b.rank || b.level.height - a.level.height || b.level.bitrate - a.level.bitrate
    );
  const menu: MenuLevel[] = [];
  for (const { index, name } of ranked) {
    if (name === audio?.name || menu.some((m) => m.name === name)) continue;
    menu.push({ name, index });
  }
  if (audio) menu.push({ name: audio.name, index: AUDIO_ONLY });
  return menu;
}

/** The label of a menu entry. */
export function levelLabel(level: MenuLevel): string {
  return level.index === AUDIO_ONLY ? 'Audio only' : level.name;
}

/** The label of "auto": with the rung it is playing when known. */
export function autoLabel(playing: string): string {
  return playing ? `Auto (${playing})` : 'Auto';
}

// The player's keys, as a pure map from a key press to what it does.

export type KeyAction =
  | 'togglePlay'
  | 'toggleMute'
  | 'toggleFullscreen'
  | 'volumeUp'
  | 'volumeDown'
  | 'seekBack'
  | 'seekForward'
  | 'goLive';

/** What we read of a KeyboardEvent (a structural subset, so tests need no DOM). */
export interface KeyPress {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  target: { tagName?: string; isContentEditable?: boolean } | null;
}

const KEYS: Record<string, KeyAction> = {
  ' ': 'togglePlay',
  k: 'togglePlay',
  m: 'toggleMute',
  f: 'toggleFullscreen',
  ArrowUp: 'volumeUp',
  ArrowDown: 'volumeDown',
  ArrowLeft: 'seekBack',
  ArrowRight: 'seekForward',
  l: 'goLive',
  End: 'goLive',
};

/** Fields that use these keys themselves (typing, the volume slider, the quality menu). */
const FORM_FIELDS = new Set(['INPUT', 'SELECT', 'TEXTAREA']);
/** Space activates a focused button or link: leave it to them, or it would act twice. */
const ACTIVATED_BY_SPACE = new Set(['BUTTON', 'A', 'SUMMARY']);

export const VOLUME_STEP = 0.1;
export const SEEK_STEP_S = 5;

/** The action of a key press, or null when the page should handle it as usual. */
export function keyAction(press: KeyPress): KeyAction | null {
  // Browser and system shortcuts (Ctrl+F, Cmd+L…) stay theirs.
  if (press.ctrlKey || press.metaKey || press.altKey) return null;
  const tag = press.target?.tagName?.toUpperCase() ?? '';
  if (FORM_FIELDS.has(tag) || press.target?.isContentEditable) return null;
  if (press.key === ' ' && ACTIVATED_BY_SPACE.has(tag)) return null;
  return KEYS[press.key.length === 1 ? press.key.toLowerCase() : press.key] ?? null;
}

/** The keys, for the hidden help text and button titles. */
export const KEY_HELP = 'Keyboard: Space or K play or pause, M mute, F full screen, ' +
  'Up and Down arrows volume, Left and Right arrows 5 seconds back or forward, L or End live.';

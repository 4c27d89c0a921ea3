// What the controls and keys do to the <video> and the player box.
import { VOLUME_STEP } from './keyboard.ts';

type WebkitDocument = Document & {
  webkitFullscreenElement?: Element | null;
  webkitExitFullscreen?: () => void;
};
type WebkitElement = HTMLElement & { webkitRequestFullscreen?: () => void };
type WebkitVideo = HTMLVideoElement & { webkitEnterFullscreen?: () => void };

export function togglePlay(video: HTMLVideoElement): void {
  if (video.paused) video.play().catch((e) => console.debug('[player] play', e));
  else video.pause();
}

export function toggleMute(video: HTMLVideoElement): void {
  if (video.muted || video.volume === 0) unmute(video);
  else video.muted = true;
}

export function unmute(video: HTMLVideoElement): void {
  video.muted = false;
  // Unmuting at volume 0 would change nothing the viewer can hear.
  if (video.volume === 0) video.volume = 0.5;
}

/** Set the volume (0…1); 0 mutes, anything else unmutes. */
export function setVolume(video: HTMLVideoElement, volume: number): void {
  const clamped = Math.min(1, Math.max(0, Math.round(volume * 100) / 100));
  video.volume = clamped;
  video.muted = clamped === 0;
}

export function stepVolume(video: HTMLVideoElement, direction: 1 | -1): void {
  setVolume(video, (video.muted ? 0 : video.volume) + direction * VOLUME_STEP);
}

export function fullscreenElement(): Element | null {
  const doc = document as WebkitDocument;
  return doc.fullscreenElement ?? doc.webkitFullscreenElement ?? null;
}

/** Full screen on the player box (controls included); an iPhone only lets the video go. */
export async function toggleFullscreen(box: HTMLElement, video: HTMLVideoElement): Promise<void> {
  const doc = document as WebkitDocument;
  try {
    if (fullscreenElement()) {
      if (doc.exitFullscreen) await doc.exitFullscreen();
      else doc.webkitExitFullscreen?.();
      return;
    }
    const element = box as WebkitElement;
    if (element.requestFullscreen) await element.requestFullscreen();
    else if (element.webkitRequestFullscreen) element.webkitRequestFullscreen();
    else (video as WebkitVideo).webkitEnterFullscreen?.();
  } catch (failure) {
    // Refused (an iframe without allowfullscreen, no user gesture): nothing to tell.
    console.debug('[player] fullscreen', failure);
  }
}

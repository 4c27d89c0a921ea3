// Blackmagic DeckLink cards (SDI/HDMI). `mode=auto` follows whatever the mixer sends
// (1080i50, 720p60, …); the pipeline deinterlaces and converts it to the output format.
import { prop } from '../gst_syntax.ts';
import { CAPTURE_ELEMENT, MIC_ELEMENT, type SourceChain } from './source.ts';

export function deckLinkVideo(deviceNumber: number): SourceChain {
  return {
    head: `decklinkvideosrc name=${CAPTURE_ELEMENT} ${
      prop('device-number', deviceNumber)
    } mode=auto connection=auto`,
    sideChains: [],
  };
}

/** The first two embedded channels: the mixer's main program mix on every desk we know. */
export function deckLinkAudio(deviceNumber: number): SourceChain {
  return {
    head: `decklinkaudiosrc name=${MIC_ELEMENT} ${prop('device-number', deviceNumber)} channels=2`,
    sideChains: [],
  };
}

// ALSA capture: a USB audio interface or the grabber's own audio device (`hw:1,0`).
import { prop } from '../gst_syntax.ts';
import { MIC_ELEMENT, type SourceChain } from './source.ts';

export function alsaAudio(device: string): SourceChain {
  return { head: `alsasrc name=${MIC_ELEMENT} ${prop('device', device)}`, sideChains: [] };
}

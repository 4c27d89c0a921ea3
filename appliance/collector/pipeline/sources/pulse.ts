// PulseAudio / PipeWire capture. 'default' leaves the choice to the sound server.
import { prop } from '../gst_syntax.ts';
import { MIC_ELEMENT, type SourceChain } from './source.ts';

export function pulseAudio(device: string): SourceChain {
  const deviceProp = device === 'default' ? '' : ` ${prop('device', device)}`;
  return { head: `pulsesrc name=${MIC_ELEMENT}${deviceProp}`, sideChains: [] };
}

// `roomcast encoder`: starts the agent (which starts nginx and the ladders) and runs until
// a signal; on SIGTERM/SIGINT it stops ffmpeg and nginx and leaves the playlists open, so
// a restarted node continues them.
import type { Logger } from '../../core/log.ts';
import { type EncoderAgent, type EncoderConfig, startEncoderAgent } from './agent.ts';

export function runEncoder(config: EncoderConfig, log: Logger): Promise<EncoderAgent> {
  return startEncoderAgent({ config, log });
}

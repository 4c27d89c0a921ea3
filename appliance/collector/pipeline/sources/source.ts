// What every capture module gives the pipeline builder: a chain that ends in raw media,
// plus any side chains it needs (the test tone mixes two generators).
import type { RoomcastConfig } from '../../../../core/config/schema.ts';

export type CollectorConfig = RoomcastConfig['collector'];

export interface SourceChain {
  /** Elements up to raw video or audio; the builder appends `! …` to it. */
  head: string;
  /** Further chains that feed elements named in `head`. */
  sideChains: string[];
}

/**
 * The capture element of every video source is named `capture` and of every audio source
 * `mic`: the worker reads the input format from `capture`'s caps, and DeckLink's
 * `signal` property from it.
 */
export const CAPTURE_ELEMENT = 'capture';
export const MIC_ELEMENT = 'mic';

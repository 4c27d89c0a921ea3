// The collector's capture clock, carried in-band from the venue to the encoder so that
// EXT-X-PROGRAM-DATE-TIME says when a segment's first frame was captured, not when the
// encoder's ffmpeg happened to start.
//
// On every RTMP connection the collector's onMetaData (an FLV script-data tag) carries one
// more number: the wall-clock time, in milliseconds since the Unix epoch, of FLV timestamp
// 0 of that connection's stream. A frame with FLV timestamp `t` was captured at
// `captureEpochMs + t`. nginx-rtmp passes the publisher's metadata through (`meta copy`)
// and the publisher's own timestamps; ffmpeg prints both in its input banner (the
// property under Metadata, the first timestamp as `start:`). Publishers that do not send
// it (OBS, a plain ffmpeg) keep ffmpeg's own clock.

/** The onMetaData property (an AMF0 number, whole milliseconds since the Unix epoch). */
export const CAPTURE_EPOCH_KEY = 'roomcastCaptureEpochMs';

// The little of gst-launch syntax the description builders need: property values that
// survive the parser whatever they contain (paths with spaces, ALSA's `hw:1,0`).

/** `name=value`, the value quoted when it holds anything beyond a safe set of characters. */
export function prop(name: string, value: string | number | boolean): string {
  return `${name}=${quote(String(value))}`;
}

export function quote(value: string): string {
  if (/^[A-Za-z0-9_./-]+$/.test(value)) return value;
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** Nanoseconds, GStreamer's unit of time, from seconds. */
export function ns(seconds: number): number {
  return Math.round(seconds * 1e9);
}

/** Elements joined into one chain. */
export function chain(...elements: string[]): string {
  return elements.join(' ! ');
}

/**
 * The element factories a description makes. In gst-launch syntax a bare word is a new
 * element; words with `=` are properties (or caps, which also hold a `/`), words with a
 * `.` are pad references (`mux.`, `rec.video`). Properties that make elements themselves
 * (splitmuxsink's `muxer=`) name factories too. What a bin picks at run time (decodebin's
 * decoders) is not in the text.
 */
export function descriptionFactories(description: string): Set<string> {
  const factories = new Set<string>();
  // Quoted values may hold anything, `!` and spaces included: blank them out first.
  const plain = description.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  for (const word of plain.split(/[\s!]+/).filter(Boolean)) {
    const made = /^(?:muxer|sink)=([a-z][a-z0-9_-]*)$/.exec(word);
    if (made) factories.add(made[1]!);
    else if (/^[a-z][a-z0-9_-]*$/.test(word)) factories.add(word);
  }
  return factories;
}

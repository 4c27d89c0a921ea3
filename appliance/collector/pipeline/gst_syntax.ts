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

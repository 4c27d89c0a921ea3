// The edge stores unix milliseconds and speaks ISO 8601 on its API.
export const toIso = (
  ms: number | null,
): string | null => (ms === null ? null : new Date(ms).toISOString());
export const fromIso = (
  text: string | null | undefined,
): number | null => (text ? Date.parse(text) : null);

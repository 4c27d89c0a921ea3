// Benchmarks record their figures in docs/benchmarks.md, one `## ` section each, so a
// re-run replaces its own section and leaves the others alone.
import { readFile, writeFile } from 'node:fs/promises';

/** Replaces (or appends) `## title` in docs/benchmarks.md, keeping the other sections. */
export async function writeSection(title: string, body: string): Promise<void> {
  const path = new URL('../docs/benchmarks.md', import.meta.url).pathname;
  const text = await readFile(path, 'utf8');
  const heading = `## ${title}`;
  const section = `${heading}\n\n${body}\n`;
  const start = text.indexOf(heading);
  if (start < 0) return writeFile(path, `${text.trimEnd()}\n\n${section}`);
  const next = text.indexOf('\n## ', start + heading.length);
  // One blank line between sections, as the file is written by hand.
  const rest = next < 0 ? '' : `\n${text.slice(next + 1)}`;
  await writeFile(path, text.slice(0, start) + section + rest);
}

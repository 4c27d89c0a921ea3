// Per-host diffs for `roomcast push --diff`: what the box has against what the event
// renders, as a unified diff. Env files are diffed masked (core/push/protocol.ts
// maskEnvText): a secret shows as `KEY=<changed>` or `KEY=<unchanged>`, never its value,
// old or new.
import { type BoxFileState, isSecretFile, maskEnvText } from '../../core/push/protocol.ts';
import type { BoxFile } from '../../core/event/render.ts';

type Op = { kind: ' ' | '-' | '+'; text: string };

function linesOf(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

/** The edit script from a to b: a longest common subsequence, by dynamic programming. */
function editScript(a: string[], b: string[]): Op[] {
  // Config files are tens of lines: the quadratic table is nothing.
  const rows = a.length + 1;
  const cols = b.length + 1;
  const lcs = new Uint32Array(rows * cols);
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i * cols + j] = a[i] === b[j]
        ? lcs[(i + 1) * cols + j + 1]! + 1
        : Math.max(lcs[(i + 1) * cols + j]!, lcs[i * cols + j + 1]!);
    }
  }
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      ops.push({ kind: ' ', text: a[i]! });
      i++;
      j++;
    } else if (lcs[(i + 1) * cols + j]! >= lcs[i * cols + j + 1]!) {
      ops.push({ kind: '-', text: a[i++]! });
    } else {
      ops.push({ kind: '+', text: b[j++]! });
    }
  }
  while (i < a.length) ops.push({ kind: '-', text: a[i++]! });
  while (j < b.length) ops.push({ kind: '+', text: b[j++]! });
  return ops;
}

/** A unified diff (3 lines of context) of two texts; '' when they are equal. */
export function unifiedDiff(
  before: string,
  after: string,
  labels: { before: string; after: string },
  context = 3,
): string {
  const ops = editScript(linesOf(before), linesOf(after));
  const changed = ops.map((op, index) => (op.kind === ' ' ? -1 : index)).filter((i) => i >= 0);
  if (changed.length === 0) return '';
  // Ranges of ops to show: each change with its context, overlapping ranges merged.
  const ranges: [number, number][] = [];
  for (const index of changed) {
    const start = Math.max(0, index - context);
    const end = Math.min(ops.length, index + context + 1);
    const last = ranges.at(-1);
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else ranges.push([start, end]);
  }
  const out = [`--- ${labels.before}`, `+++ ${labels.after}`];
  for (const [start, end] of ranges) {
    const lineAt = (kind: '-' | '+') =>
      ops.slice(0, start).filter((op) => op.kind === ' ' || op.kind === kind).length;
    const slice = ops.slice(start, end);
    const count = (kind: '-' | '+') =>
      slice.filter((op) => op.kind === ' ' || op.kind === kind).length;
    const header = (kind: '-' | '+') => {
      const n = count(kind);
      return `${kind}${n === 0 ? lineAt(kind) : lineAt(kind) + 1},${n}`;
    };
    out.push(`@@ ${header('-')} ${header('+')} @@`);
    for (const op of slice) out.push(`${op.kind}${op.text}`);
  }
  return out.join('\n');
}

const TOKEN = /<h:[0-9a-f]+>/;
const MASKED = /^([A-Za-z_][A-Za-z0-9_]*)=<h:[0-9a-f]+>$/;

/** A diff of masked env texts, with the hash tokens turned into words. */
function wordsForTokens(diff: string): string {
  const lines = diff.split('\n');
  const keysOf = (kind: '-' | '+') =>
    new Set(
      lines.filter((line) => line.startsWith(kind) && !line.startsWith(`${kind}${kind}`))
        .map((line) => MASKED.exec(line.slice(1))?.[1]).filter(Boolean),
    );
  const removed = keysOf('-');
  const added = keysOf('+');
  return lines.map((line) => {
    const kind = line[0];
    const body = line.slice(1);
    const key = MASKED.exec(body)?.[1];
    if (!key) {
      return TOKEN.test(body) ? `${kind}<a line that is not NAME=VALUE, not shown>` : line;
    }
    if (kind === ' ') return ` ${key}=<unchanged>`;
    if (kind === '-') return `-${key}=${added.has(key) ? '<old value>' : '<removed>'}`;
    return `+${key}=${removed.has(key) ? '<changed>' : '<new>'}`;
  }).join('\n');
}

/**
 * The diff of one file: a unified diff of the text (masked for env files), and a line
 * for a mode that changes. '' when the box has it as rendered.
 */
export function fileDiff(
  box: BoxFileState | undefined,
  rendered: BoxFile,
  options: { host: string; dir: string; nonce: string },
): string {
  const labels = {
    before: box?.exists ? `${options.host}:${options.dir}/${rendered.path}` : '/dev/null',
    after: `${rendered.path} (rendered)`,
  };
  const secret = isSecretFile(rendered.path);
  const before = box?.exists ? (secret ? box.masked : box.text) ?? '' : '';
  const after = secret ? maskEnvText(rendered.content, options.nonce) : rendered.content;
  let diff = unifiedDiff(before, after, labels);
  if (secret && diff) diff = wordsForTokens(diff);
  const modeLine = box?.exists && box.mode !== rendered.mode
    ? `mode ${box.mode!.toString(8).padStart(4, '0')} → ${
      rendered.mode.toString(8).padStart(4, '0')
    }: ${options.host}:${options.dir}/${rendered.path}`
    : '';
  return [modeLine, diff].filter(Boolean).join('\n');
}

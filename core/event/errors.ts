// Problems with an event file or its secrets file, collected (not only the first) so the
// operator fixes everything in one round. Each issue is one finished line that names the
// file (with line and column when known), the key path and what is wrong — never a secret.

export class EventFileError extends Error {
  readonly issues: readonly string[];

  constructor(issues: readonly string[]) {
    super(issues.join('\n'));
    this.name = 'EventFileError';
    this.issues = issues;
  }
}

export type Path = readonly (string | number)[];

/** `rooms.main-hall.collector.output.videoKbps`, `defaults.ladder[1].height`. */
export function pathText(path: Path): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? segment : `.${segment}`;
  }
  return out;
}

/** Where a key path is in a file: `file:line:col` (or just `file`) and its offset there. */
export interface Location {
  where: string;
  /** Character offset in the file; -1 when the path is not in it. */
  offset: number;
}

/**
 * Collects issues as `<where>: <path>: <message>`, each line once. They come out in the
 * order of the file, so the operator can work down it; problems with no place in the
 * file (a missing section) come first.
 */
export class IssueList {
  readonly #issues: { line: string; offset: number }[] = [];
  readonly #locate: (path: Path) => Location;

  constructor(locate: (path: Path) => Location) {
    this.#locate = locate;
  }

  add(path: Path, message: string): void {
    const subject = path.length === 0 ? 'the file' : pathText(path);
    const { where, offset } = this.#locate(path);
    const line = `${where}: ${subject}: ${message}`;
    if (!this.#issues.some((issue) => issue.line === line)) this.#issues.push({ line, offset });
  }

  /** Throws the collected issues, if any. */
  throwIfAny(): void {
    if (this.#issues.length === 0) return;
    // Array.prototype.sort is stable: issues at one place keep the order they were found.
    const sorted = [...this.#issues].sort((a, b) => a.offset - b.offset);
    throw new EventFileError(sorted.map((issue) => issue.line));
  }
}

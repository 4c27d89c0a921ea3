// Reads an event file or a secrets file (YAML, or JSON by extension) into plain data plus
// a locator that turns a key path into `file:line:col` for messages. Pure: the caller
// reads the file.
//
// JSON goes through the YAML parser too: JSON is YAML, and unlike JSON.parse the YAML
// parser refuses duplicate keys (a second `main-hall:` would silently replace the first).

import { isNode, LineCounter, parseDocument } from 'yaml';
import { EventFileError, type Location, type Path } from './errors.ts';

export interface ParsedFile {
  /** The document as plain data (mappings, lists, scalars). */
  value: unknown;
  /** `file:line:col` of the deepest part of path that exists in the file, else `file`. */
  locate(path: Path): Location;
}

export function parseEventText(text: string, fileName: string): ParsedFile {
  if (!/\.(ya?ml|json)$/i.test(fileName)) {
    throw new EventFileError([`${fileName}: unsupported file type; use .yaml, .yml or .json`]);
  }
  const lineCounter = new LineCounter();
  // prettyErrors off: the pretty form quotes the source line, and in a secrets file that
  // line is a secret. The bare messages describe syntax only.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new EventFileError(doc.errors.map((error) => {
      const { line, col } = lineCounter.linePos(error.pos[0]);
      return `${fileName}:${line}:${col}: syntax error: ${error.message}`;
    }));
  }
  const locate = (path: Path): Location => {
    for (let depth = path.length; depth >= 0; depth--) {
      const node = depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth), true);
      if (isNode(node) && node.range) {
        const { line, col } = lineCounter.linePos(node.range[0]);
        return { where: `${fileName}:${line}:${col}`, offset: node.range[0] };
      }
    }
    return { where: fileName, offset: -1 };
  };
  return { value: doc.toJS({ maxAliasCount: 100 }), locate };
}

// Builds the status page's script in memory when the collector first serves it: the
// appliance ships sources, not a dist folder that could drift from them. One build per
// process (about 100 ms), shared by every request. Also the HTML shell the script runs in.
import { fileURLToPath } from 'node:url';
import { STATUS_PAGE_CSS } from './styles.ts';

const MAIN = fileURLToPath(new URL('./main.tsx', import.meta.url));

let built: Promise<string> | undefined;

/** The bundled, minified ES module of the page (`main.tsx` and Preact). Built once. */
export function bundleStatusPage(): Promise<string> {
  built ??= buildBundle(MAIN).catch((error: unknown) => {
    // Forget a failed build so a fixed source is picked up without a restart; the error
    // still reaches this caller.
    built = undefined;
    throw error;
  });
  return built;
}

/** One uncached build of `entry`; exported so a test can feed it a broken file. */
export async function buildBundle(entry: string): Promise<string> {
  // Loaded on first use: the server imports this module for the HTML shell alone, and
  // the esbuild service is only worth starting when the script is asked for.
  const esbuild = await import('esbuild');
  let result;
  try {
    result = await esbuild.build({
      entryPoints: [entry],
      bundle: true,
      write: false,
      minify: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2020',
      jsx: 'automatic',
      jsxImportSource: 'preact',
      legalComments: 'none',
      logLevel: 'silent',
    });
  } catch (error) {
    const errors =
      (error as { errors?: { text: string; location?: { file: string; line: number } | null }[] })
        .errors;
    const detail = errors?.length
      ? errors.map((
        e,
      ) => (e.location ? `${e.location.file}:${e.location.line}: ${e.text}` : e.text))
        .join('; ')
      : String(error);
    throw new Error(`building the status page from ${entry} failed: ${detail}`);
  }
  const output = result.outputFiles[0];
  if (!output) throw new Error(`building the status page from ${entry} produced no output`);
  return output.text;
}

/** `<`, `>`, `&` and quotes as entities, for text and attribute values in HTML. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The page the crew opens: inline CSS, a root element, and the module script. The empty
 * icon keeps the browser from asking for /favicon.ico (a 404 in every console).
 */
export function statusPageHtml(room: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="dark">
<link rel="icon" href="data:,">
<title>${escapeHtml(room)} · roomcast collector</title>
<style>${STATUS_PAGE_CSS}</style>
<script type="module" src="/status.js"></script>
</head>
<body>
<noscript>This status page needs JavaScript.</noscript>
<div id="app"></div>
</body>
</html>
`;
}

// The code to put the room's player on another site, with a copy button.
import { useEffect, useRef, useState } from 'preact/hooks';
import { embedSnippet } from './snippet.ts';

/** How long "Copied" shows. */
const COPIED_MS = 2_000;

type CopyResult = 'copied' | 'selected' | null;

export function EmbedSnippet({ roomId, title }: { roomId: string; title: string }) {
  const code = embedSnippet(location.origin, roomId, title);
  const area = useRef<HTMLTextAreaElement>(null);
  const [result, setResult] = useState<CopyResult>(null);

  useEffect(() => {
    if (!result) return;
    const timer = setTimeout(() => setResult(null), COPIED_MS);
    return () => clearTimeout(timer);
  }, [result]);

  const copy = async () => {
    try {
      // Missing outside secure contexts (plain http on another host than localhost).
      await navigator.clipboard.writeText(code);
      setResult('copied');
    } catch {
      area.current?.select();
      setResult(document.execCommand('copy') ? 'copied' : 'selected');
    }
  };

  return (
    <section class='embed-code' aria-labelledby='embed-code-title'>
      <h2 id='embed-code-title'>Embed this room</h2>
      <textarea
        ref={area}
        readOnly
        rows={3}
        aria-label='Embed code'
        value={code}
        onFocus={(event) => event.currentTarget.select()}
      />
      <p class='embed-code-actions'>
        <button type='button' class='button' onClick={copy}>
          {result === 'copied' ? 'Copied' : 'Copy'}
        </button>{' '}
        <span role='status' aria-live='polite'>
          {result === 'copied'
            ? 'Embed code copied.'
            : result === 'selected'
            ? 'Selected: press Ctrl+C (or ⌘C) to copy.'
            : ''}
        </span>
      </p>
    </section>
  );
}

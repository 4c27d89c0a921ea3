import assert from 'node:assert/strict';
import { test } from 'node:test';
import { embedSnippet, escapeAttribute } from './snippet.ts';

test('attribute escaping covers quotes, tags and ampersands', () => {
  assert.equal(
    escapeAttribute(`Tom & "Jerry" <live> 'now'`),
    'Tom &amp; &quot;Jerry&quot; &lt;live&gt; &#39;now&#39;',
  );
  // Already escaped text is escaped again, not trusted.
  assert.equal(escapeAttribute('&amp;'), '&amp;amp;');
});

test("the embed snippet: the room's embed page, sized, allowed to autoplay and go full screen", () => {
  assert.equal(
    embedSnippet('https://watch.example', 'main-hall', 'Main hall'),
    '<iframe src="https://watch.example/embed/main-hall" width="640" height="360" ' +
      'allow="autoplay; fullscreen; picture-in-picture" allowfullscreen style="border:0" ' +
      'title="Main hall"></iframe>',
  );
});

test('a hostile title cannot break out of the iframe tag', () => {
  const html = embedSnippet('https://w.example', 'r', '"><script>alert(1)</script>');
  assert.ok(!html.includes('<script>'));
  assert.ok(html.endsWith('title="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"></iframe>'));
  assert.equal(html.match(/"/g)!.length % 2, 0);
});

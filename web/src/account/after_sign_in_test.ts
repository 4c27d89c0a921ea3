import assert from 'node:assert/strict';
import { test } from 'node:test';
import { afterSignIn } from './after_sign_in.ts';

test('signing in goes back to a page of this site, else to the account page', () => {
  assert.equal(afterSignIn('?next=%2Fcontrol%2Fconf'), '/control/conf');
  assert.equal(afterSignIn('?next=/admin/approvals'), '/admin/approvals');
  assert.equal(afterSignIn(''), '/account');
  for (
    const hostile of [
      '//evil.example',
      '/\\evil.example',
      'https://evil.example',
      'javascript:alert(1)',
      '/x"><script>',
    ]
  ) {
    assert.equal(afterSignIn(`?next=${encodeURIComponent(hostile)}`), '/account', hostile);
  }
});

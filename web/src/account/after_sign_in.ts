/**
 * Where signing in leads: the page that sent the person here (`?next=/control`), if it is a
 * path on this site, else the account page. Anything else (`//evil.example`, a full URL,
 * `/\evil.example`) would make the login page an open redirect.
 */
export function afterSignIn(search: string): string {
  const next = new URLSearchParams(search).get('next');
  return next && /^\/(?![/\\])[\w\-/.%?=&]*$/.test(next) ? next : '/account';
}

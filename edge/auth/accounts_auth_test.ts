// People's accounts end to end through the edge app, with better-auth on the edge's libSQL
// and its mails through a real SMTP server on loopback: sign up, the mail, its link
// followed, the session cookie on the API, sign-out, the reset link followed, the CLI login
// with the same password, and the limits on guessing. Node and Deno.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { eq } from 'drizzle-orm';
import { accounts } from '../db/schema.ts';
import { resolveConfig } from '../../core/config/load.ts';
import { createMailer } from '../mail/mailer.ts';
import { linkIn, startTestSmtp, type TestSmtp } from '../mail/testing.ts';
import { createTestEdge, TEST_SETTINGS, type TestEdge } from '../testing.ts';

const ORIGIN = TEST_SETTINGS.publicUrl;
const PASSWORD = 'correct horse battery';

let smtp: TestSmtp;
before(async () => {
  smtp = await startTestSmtp();
});
after(() => smtp.close());

async function edgeWithMail(settings: Parameters<typeof createTestEdge>[0] = {}) {
  return await createTestEdge({ ...settings, mailer: await createMailer(smtp.settings()) });
}

/** A browser: keeps the edge's cookies, sends the page's Origin, does not follow redirects. */
function browser(edge: TestEdge, ip = '192.0.2.10') {
  const jar = new Map<string, string>();
  const request = async (method: string, path: string, body?: unknown) => {
    const response = await edge.app.request(new URL(path, ORIGIN).toString(), {
      method,
      redirect: 'manual',
      headers: {
        origin: ORIGIN,
        'x-forwarded-for': ip,
        ...(jar.size ? { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair!.indexOf('=');
      const name = pair!.slice(0, at);
      const value = pair!.slice(at + 1);
      if (value === '' || /max-age=0/i.test(line)) jar.delete(name);
      else jar.set(name, value);
    }
    return response;
  };
  return { request, jar };
}

const trusted = { settings: { chat: { ...TEST_SETTINGS.chat, trustForwardedFor: true } } };

test('sign up, follow the mailed link, signed in by cookie; sign out ends it', async () => {
  const edge = await edgeWithMail(trusted);
  try {
    const ada = browser(edge);
    const signUp = await ada.request('POST', '/api/auth/sign-up/email', {
      email: 'Ada@Example.test',
      password: PASSWORD,
      name: 'Ada',
      callbackURL: '/account',
    });
    assert.equal(signUp.status, 200, await signUp.clone().text());
    // Not yet: the address is unconfirmed.
    const early = await browser(edge).request('POST', '/api/auth/sign-in/email', {
      email: 'ada@example.test',
      password: PASSWORD,
    });
    assert.equal(early.status, 403);
    assert.equal((await early.json()).error.reason, 'EMAIL_NOT_VERIFIED');

    const mail = await smtp.nextMail('ada@example.test');
    assert.equal(mail.subject, 'Confirm your roomcast account');
    const link = new URL(linkIn(mail));
    assert.equal(link.origin, ORIGIN);
    const verified = await ada.request('GET', link.pathname + link.search);
    assert.equal(verified.status, 302);
    assert.equal(verified.headers.get('location'), '/account');
    assert.ok(ada.jar.has('roomcast.session_token'), 'signed in by the link');

    const me = await ada.request('GET', '/api/v1/me');
    assert.equal(me.status, 200);
    const account = await me.json();
    assert.equal(account.email, 'ada@example.test');
    assert.equal(account.role, 'viewer');
    assert.equal(account.emailVerified, true);

    // The CLI logs in with the same password and gets its own bearer token.
    const cli = await edge.app.request('/api/v1/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'ada@example.test', password: PASSWORD }),
    });
    assert.equal(cli.status, 200);
    assert.match((await cli.json()).token, /^rct_/);

    assert.equal((await ada.request('POST', '/api/auth/sign-out', {})).status, 200);
    assert.equal((await ada.request('GET', '/api/v1/me')).status, 401);
  } finally {
    await edge.close();
  }
});

test('password reset: the mailed link leads to the page, the new password works, old sessions end', async () => {
  const edge = await edgeWithMail(trusted);
  try {
    await edge.asOperator('POST', '/api/v1/accounts', {
      email: 'bo@example.test',
      role: 'operator',
      password: PASSWORD,
    });
    const laptop = browser(edge);
    const signIn = await laptop.request('POST', '/api/auth/sign-in/email', {
      email: 'bo@example.test',
      password: PASSWORD,
    });
    assert.equal(signIn.status, 200, 'an account an admin made signs in with its password');
    assert.equal((await laptop.request('GET', '/api/v1/me')).status, 200);

    const phone = browser(edge, '192.0.2.11');
    const asked = await phone.request('POST', '/api/auth/request-password-reset', {
      email: 'bo@example.test',
      redirectTo: '/reset',
    });
    assert.equal(asked.status, 200);
    // An unknown address gets the same answer (no way to probe who has an account), no mail.
    const unknown = await phone.request('POST', '/api/auth/request-password-reset', {
      email: 'nobody@example.test',
      redirectTo: '/reset',
    });
    assert.equal(unknown.status, 200);

    const mail = await smtp.nextMail('bo@example.test');
    assert.equal(mail.subject, 'Reset your roomcast password');
    const link = new URL(linkIn(mail));
    const toPage = await phone.request('GET', link.pathname + link.search);
    assert.equal(toPage.status, 302);
    const page = new URL(toPage.headers.get('location')!, ORIGIN);
    assert.equal(page.pathname, '/reset');
    const token = page.searchParams.get('token');
    assert.ok(token);

    const short = await phone.request('POST', '/api/auth/reset-password', {
      newPassword: 'short',
      token,
    });
    assert.equal(short.status, 400);
    assert.match((await short.json()).error.message, /short/i);
    const reset = await phone.request('POST', '/api/auth/reset-password', {
      newPassword: 'a new long passphrase',
      token,
    });
    assert.equal(reset.status, 200);
    const again = await phone.request('POST', '/api/auth/reset-password', {
      newPassword: 'yet another passphrase',
      token,
    });
    assert.equal(again.status, 400, 'a reset link works once');

    assert.equal((await laptop.request('GET', '/api/v1/me')).status, 401, 'old sessions ended');
    const old = await browser(edge).request('POST', '/api/auth/sign-in/email', {
      email: 'bo@example.test',
      password: PASSWORD,
    });
    assert.equal(old.status, 401);
    const fresh = await browser(edge, '192.0.2.12').request('POST', '/api/auth/sign-in/email', {
      email: 'bo@example.test',
      password: 'a new long passphrase',
    });
    assert.equal(fresh.status, 200);
  } finally {
    await edge.close();
  }
});

test('guessing: one address is slowed down, one account is locked against many addresses', async () => {
  const edge = await edgeWithMail(trusted);
  try {
    await edge.asOperator('POST', '/api/v1/accounts', {
      email: 'cy@example.test',
      role: 'viewer',
      password: PASSWORD,
    });
    // One address trying many accounts: better-auth's per-address limit on sign-in.
    const guesser = browser(edge, '198.51.100.1');
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      const r = await guesser.request('POST', '/api/auth/sign-in/email', {
        email: `user${i}@example.test`,
        password: 'wrong password',
      });
      statuses.push(r.status);
    }
    assert.deepEqual(statuses.slice(0, 10), Array(10).fill(401));
    assert.deepEqual(statuses.slice(10), [429, 429]);

    // Many addresses trying one account: the per-email lockout, which then refuses even
    // the right password (the CLI login shares it).
    for (let i = 0; i < 10; i++) {
      const r = await browser(edge, `203.0.113.${i}`).request('POST', '/api/auth/sign-in/email', {
        email: 'cy@example.test',
        password: `wrong ${i}`,
      });
      assert.equal(r.status, 401);
    }
    const locked = await browser(edge, '203.0.113.99').request('POST', '/api/auth/sign-in/email', {
      email: 'cy@example.test',
      password: PASSWORD,
    });
    assert.equal(locked.status, 429);
    assert.match((await locked.json()).error.message, /wait 15 minutes/);
    edge.advance(16 * 60_000);
    const later = await browser(edge, '203.0.113.99').request('POST', '/api/auth/sign-in/email', {
      email: 'cy@example.test',
      password: PASSWORD,
    });
    assert.equal(later.status, 200);
  } finally {
    await edge.close();
  }
});

test('a disabled account cannot sign in; junk bodies get 4xx in the edge error shape', async () => {
  const edge = await edgeWithMail(trusted);
  try {
    await edge.asOperator('POST', '/api/v1/accounts', {
      email: 'di@example.test',
      role: 'viewer',
      password: PASSWORD,
    });
    await edge.deps.db.update(accounts).set({ disabledAt: 1 })
      .where(eq(accounts.email, 'di@example.test'));
    const refused = await browser(edge).request('POST', '/api/auth/sign-in/email', {
      email: 'di@example.test',
      password: PASSWORD,
    });
    assert.equal(refused.status, 403);
    assert.match((await refused.json()).error.message, /disabled/);

    const junk: unknown[] = [null, 'text', [], { email: 5 }, { email: 'x@y.z', password: {} }];
    for (const body of junk) {
      const r = await browser(edge, '192.0.2.50').request('POST', '/api/auth/sign-up/email', body);
      assert.ok(r.status >= 400 && r.status < 500, `${JSON.stringify(body)} → ${r.status}`);
      const answer = await r.json();
      assert.equal(typeof answer.error.message, 'string');
    }
    const huge = await browser(edge, '192.0.2.51').request('POST', '/api/auth/sign-up/email', {
      email: 'h@example.test',
      password: 'p'.repeat(20_000),
      name: 'H',
    });
    assert.equal(huge.status, 413);
  } finally {
    await edge.close();
  }
});

test('mail down: sign-up says the mail could not be sent; the edge goes on; no link logged', async () => {
  const down = await createMailer(
    resolveConfig({
      document: { edge: { mail: { transport: 'smtp', smtp: { host: '127.0.0.1', port: 1 } } } },
    }).edge.mail,
  );
  const edge = await createTestEdge({ ...trusted, mailer: down });
  try {
    const eve = browser(edge);
    const signUp = await eve.request('POST', '/api/auth/sign-up/email', {
      email: 'eve@example.test',
      password: PASSWORD,
      name: 'Eve',
    });
    // better-auth answers sign-up alike whether the mail went (no probing who signed up);
    // the failure is logged, and the resend the login page offers says it.
    assert.equal(signUp.status, 200);
    assert.ok(edge.logLines.some((l) => l.includes('account mail not sent')));
    const resend = await eve.request('POST', '/api/auth/send-verification-email', {
      email: 'eve@example.test',
    });
    assert.equal(resend.status, 503);
    assert.match((await resend.json()).error.message, /could not send the mail .*try again/);
    assert.ok(!edge.logLines.join('\n').includes('token='), 'no link in the log');
    assert.equal((await edge.app.request('/api/v1/health')).status, 200);
  } finally {
    await edge.close();
  }
});

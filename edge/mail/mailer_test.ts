// The mail transports against real servers on loopback: an SMTP server (smtp-server, with
// login) whose received mail is parsed with mailparser, and an HTTP mail API. Failures are
// MailErrors that say what went wrong and carry no password, key or mail body.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { resolveConfig } from '../../core/config/load.ts';
import { createMailer, MailError, type MailSettings } from './mailer.ts';
import { recipientsOf, startTestSmtp, TEST_SMTP_PASSWORD, type TestSmtp } from './testing.ts';

const PASSWORD = TEST_SMTP_PASSWORD;
const LINK = 'https://edge.example/verify?token=vt_secret_link_0123456789';

let smtp: TestSmtp;
let smtpPort: number;

before(async () => {
  smtp = await startTestSmtp();
  smtpPort = smtp.port;
});
after(() => smtp.close());

function settings(mail: Record<string, unknown>): MailSettings {
  return resolveConfig({ document: { edge: { mail } } }).edge.mail;
}

const message = {
  to: 'ada@example.test',
  subject: 'Confirm your roomcast account',
  text: `Open this link to confirm: ${LINK}`,
  html: `<p>Open <a href="${LINK}">this link</a> to confirm.</p>`,
};

test('SMTP: the mail arrives as sent, from the configured sender, its link intact', async () => {
  const mailer = await createMailer(settings({
    transport: 'smtp',
    from: 'roomcast <noreply@edge.example>',
    smtp: { host: '127.0.0.1', port: smtpPort, user: 'roomcast', password: PASSWORD },
  }));
  try {
    await mailer.send(message);
  } finally {
    await mailer.close();
  }
  const mail = await smtp.nextMail('ada@example.test');
  assert.equal(mail.subject, message.subject);
  assert.equal(mail.from?.value[0]?.address, 'noreply@edge.example');
  assert.equal(mail.from?.value[0]?.name, 'roomcast');
  assert.deepEqual(recipientsOf(mail), ['ada@example.test']);
  // Follow the link as the person would: it is whole in the text and in the HTML.
  assert.equal(/https:\/\/\S+/.exec(mail.text ?? '')?.[0], LINK);
  assert.match(String(mail.html), new RegExp(`href="${LINK.replace(/[.?]/g, '\\$&')}"`));
});

test('SMTP failures say why and never carry the password or the mail', async () => {
  const wrong = await createMailer(settings({
    transport: 'smtp',
    smtp: { host: '127.0.0.1', port: smtpPort, user: 'roomcast', password: `${PASSWORD}x` },
  }));
  const refused = await wrong.send(message).catch((error) => error);
  await wrong.close();
  assert.ok(refused instanceof MailError);
  assert.match(refused.message, /SMTP server 127\.0\.0\.1:\d+ did not take the mail: .*auth/i);
  for (const secret of [PASSWORD, LINK]) assert.ok(!refused.message.includes(secret));

  // Nobody listening: refused quickly, with the reason.
  const closed = await freeClosedPort();
  const down = await createMailer(settings({
    transport: 'smtp',
    timeoutSeconds: 2,
    smtp: { host: '127.0.0.1', port: closed },
  }));
  const unreachable = await down.send(message).catch((error) => error);
  await down.close();
  assert.ok(unreachable instanceof MailError);
  assert.match(unreachable.message, /ECONNREFUSED/);
});

test('HTTP API: one POST with the bearer key and the mail as JSON; a refusal is a MailError', async () => {
  const seen: { auth?: string; body: Record<string, unknown> }[] = [];
  let answer = 200;
  const api = createServer(async (request: IncomingMessage, response) => {
    let body = '';
    for await (const chunk of request) body += chunk;
    seen.push({ auth: request.headers.authorization, body: JSON.parse(body) });
    response.writeHead(answer, { 'content-type': 'application/json' });
    response.end(answer === 200 ? '{"id":"m1"}' : '{"message":"key mail-api-key-9 is not valid"}');
  });
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
  const port = (api.address() as AddressInfo).port;
  try {
    const mailer = await createMailer(settings({
      transport: 'http',
      from: 'noreply@edge.example',
      http: { url: `http://127.0.0.1:${port}/emails`, apiKey: 'mail-api-key-9' },
    }));
    await mailer.send(message);
    assert.equal(seen[0]!.auth, 'Bearer mail-api-key-9');
    assert.deepEqual(seen[0]!.body, {
      from: 'noreply@edge.example',
      to: ['ada@example.test'],
      subject: message.subject,
      text: message.text,
      html: message.html,
    });
    answer = 401;
    const refused = await mailer.send(message).catch((error) => error);
    assert.ok(refused instanceof MailError);
    assert.match(refused.message, /mail API at 127\.0\.0\.1:\d+ refused the mail: 401/);
    assert.ok(!refused.message.includes('mail-api-key-9'), refused.message);
  } finally {
    api.close();
  }
});

test('transport none refuses to send, saying so; the config names what a transport lacks', async () => {
  const none = await createMailer(settings({}));
  await assert.rejects(none.send(message), /mail is off on this edge/);
  assert.throws(() => settings({ transport: 'smtp' }), /edge\.mail\.smtp\.host/);
  assert.throws(
    () => settings({ transport: 'http', http: { url: 'https://api.resend.com/emails' } }),
    /edge\.mail\.http\.apiKey/,
  );
});

async function freeClosedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

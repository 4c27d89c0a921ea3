// Outgoing mail of the edge (verification links, password resets): one small interface and
// its transports, chosen by `edge.mail.transport`. SMTP goes through nodemailer; the HTTP
// transport posts to a Resend-style mail API, for hosts that block outgoing SMTP. A failure
// is a MailError whose message names what went wrong and never the password, the API key
// or the mail's body (it carries the links that are the secrets here).
import type { RoomcastConfig } from '../../core/config/schema.ts';

export type MailSettings = RoomcastConfig['edge']['mail'];

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html?: string;
}

export interface Mailer {
  readonly transport: MailSettings['transport'];
  /** Resolves once the server or API took the mail; rejects with a MailError. */
  send(message: MailMessage): Promise<void>;
  close(): Promise<void>;
}

export class MailError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MailError';
  }
}

/** The mailer `settings` name. `fetch` is the HTTP transport's (tests give a fake). */
export async function createMailer(
  settings: MailSettings,
  fetcher: typeof fetch = fetch,
): Promise<Mailer> {
  switch (settings.transport) {
    case 'none':
      return {
        transport: 'none',
        send: () =>
          Promise.reject(
            new MailError('mail is off on this edge (edge.mail.transport: none)'),
          ),
        close: () => Promise.resolve(),
      };
    case 'smtp':
      return await smtpMailer(settings);
    case 'http':
      return httpMailer(settings, fetcher);
  }
}

async function smtpMailer(settings: MailSettings): Promise<Mailer> {
  // Loaded only where SMTP is used (it brings node:net and node:tls; Deno has both).
  const { createTransport } = await import('nodemailer');
  const { host, port, secure, user, password } = settings.smtp;
  const timeout = settings.timeoutSeconds * 1000;
  const transport = createTransport({
    host,
    port,
    secure,
    ...(user ? { auth: { user, pass: password } } : {}),
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
  });
  return {
    transport: 'smtp',
    async send(message) {
      try {
        await transport.sendMail({ from: settings.from, ...message });
      } catch (error) {
        throw new MailError(
          `the SMTP server ${host}:${port} did not take the mail: ${smtpReason(error)}`,
        );
      }
    },
    close: () => Promise.resolve(transport.close()),
  };
}

/** nodemailer's own words, first line only; its messages name no password. */
function smtpReason(error: unknown): string {
  const { code, responseCode, message } = error as {
    code?: string;
    responseCode?: number;
    message?: string;
  };
  const line = String(message ?? error).split('\n')[0]!.slice(0, 200);
  return [code, responseCode, line].filter(Boolean).join(' ');
}

function httpMailer(settings: MailSettings, fetcher: typeof fetch): Mailer {
  const { url, apiKey } = settings.http;
  const where = new URL(url).host;
  return {
    transport: 'http',
    async send(message) {
      let response: Response;
      try {
        response = await fetcher(url, {
          method: 'POST',
          headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({ from: settings.from, ...message, to: [message.to] }),
          signal: AbortSignal.timeout(settings.timeoutSeconds * 1000),
        });
      } catch (error) {
        throw new MailError(
          `the mail API at ${where} could not be reached: ${
            (error as Error).name === 'TimeoutError'
              ? `no answer in ${settings.timeoutSeconds} s`
              : (error as Error).message
          }`,
        );
      }
      if (response.ok) {
        await response.body?.cancel();
        return;
      }
      // The API's own reason, without anything that could be the key.
      const body = await response.text().catch(() => '');
      const said = (apiKey ? body.replaceAll(apiKey, '…') : body).replace(/\s+/g, ' ')
        .slice(0, 200);
      throw new MailError(
        `the mail API at ${where} refused the mail: ${response.status}${said ? ` ${said}` : ''}`,
      );
    },
    close: () => Promise.resolve(),
  };
}

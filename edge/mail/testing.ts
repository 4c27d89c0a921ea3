// A real SMTP server on loopback for tests (smtp-server), each mail it takes parsed with
// mailparser, and a wait for the next mail to one address: what account tests follow the
// links of. Node and Deno.
import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { resolveConfig } from '../../core/config/load.ts';
import type { MailSettings } from './mailer.ts';

export const TEST_SMTP_USER = 'roomcast';
export const TEST_SMTP_PASSWORD = 'smtp-password-7f3c';

export interface TestSmtp {
  port: number;
  received: ParsedMail[];
  /** edge.mail settings that send through this server, from `from`. */
  settings(from?: string): MailSettings;
  /** The next mail to `to` (one already received and not yet taken counts). */
  nextMail(to: string, timeoutMs?: number): Promise<ParsedMail>;
  close(): Promise<void>;
}

export function recipientsOf(mail: ParsedMail): string[] {
  return (Array.isArray(mail.to) ? mail.to : [mail.to])
    .flatMap((to) => to?.value.map((v) => v.address ?? '') ?? []);
}

/** The first http(s) link in a mail's text. */
export function linkIn(mail: ParsedMail): string {
  const link = /https?:\/\/\S+/.exec(mail.text ?? '')?.[0];
  if (!link) throw new Error(`no link in the mail '${mail.subject}'`);
  return link;
}

export async function startTestSmtp(): Promise<TestSmtp> {
  const received: ParsedMail[] = [];
  const taken = new Set<ParsedMail>();
  const waiting: (() => void)[] = [];
  const server = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS'],
    authOptional: false,
    onAuth(auth, _session, callback) {
      if (auth.username === TEST_SMTP_USER && auth.password === TEST_SMTP_PASSWORD) {
        return callback(null, { user: TEST_SMTP_USER });
      }
      callback(new Error('535 authentication failed'));
    },
    onData(stream, _session, callback) {
      simpleParser(stream).then((mail) => {
        received.push(mail);
        for (const wake of waiting.splice(0)) wake();
        callback();
      }, callback);
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;

  const nextMail = async (to: string, timeoutMs = 10_000): Promise<ParsedMail> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const mail = received.find((m) => !taken.has(m) && recipientsOf(m).includes(to));
      if (mail) {
        taken.add(mail);
        return mail;
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no mail to ${to} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        waiting.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  };

  return {
    port,
    received,
    settings: (from = 'roomcast <noreply@edge.example>') =>
      resolveConfig({
        document: {
          edge: {
            mail: {
              transport: 'smtp',
              from,
              smtp: {
                host: '127.0.0.1',
                port,
                user: TEST_SMTP_USER,
                password: TEST_SMTP_PASSWORD,
              },
            },
          },
        },
      }).edge.mail,
    nextMail,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

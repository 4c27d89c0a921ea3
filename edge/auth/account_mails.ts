// The two mails an account gets: confirm your address, reset your password. Their links are
// the secrets (one use, short lived), so they go into the mail and nowhere else: a failed
// send is logged by recipient domain and reason only.
import type { Logger } from '../../core/log.ts';
import { type Mailer, MailError } from '../mail/mailer.ts';
import { APIError } from 'better-auth/api';

function domainOf(email: string): string {
  return email.slice(email.lastIndexOf('@') + 1);
}

export function accountMails(mailer: Mailer, log: Logger) {
  const send = async (to: string, subject: string, text: string) => {
    try {
      await mailer.send({ to, subject, text });
    } catch (error) {
      const reason = error instanceof MailError ? error.message : 'the mail transport failed';
      log.warn('account mail not sent', { subject, domain: domainOf(to), reason });
      throw new APIError('SERVICE_UNAVAILABLE', {
        message: `the edge could not send the mail (${reason}); try again in a few minutes`,
      });
    }
  };
  return {
    verify: (to: string, url: string) =>
      send(
        to,
        'Confirm your roomcast account',
        `Someone (hopefully you) signed up for roomcast with this address.\n\n` +
          `Confirm it by opening this link within 24 hours:\n\n${url}\n\n` +
          `If it was not you, ignore this mail; no account is active without the link.\n`,
      ),
    reset: (to: string, url: string) =>
      send(
        to,
        'Reset your roomcast password',
        `A password reset was asked for this address.\n\n` +
          `Choose a new password by opening this link within an hour:\n\n${url}\n\n` +
          `If it was not you, ignore this mail; your password stays as it is.\n`,
      ),
  };
}

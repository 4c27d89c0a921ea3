// A real HTTP server on loopback that takes webhook POSTs, for tests of anything that sends
// them (alerts, notifications). Each request is kept with its parsed JSON body; how it is
// answered is up to the test (status, headers, a delay, or no answer at all).
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedHook {
  path: string;
  headers: IncomingMessage['headers'];
  body: unknown;
  at: number;
}

export interface HookAnswer {
  status?: number;
  headers?: Record<string, string>;
  /** Wait this long before answering; Infinity: never answer. */
  delayMs?: number;
}

export interface WebhookReceiver {
  /** Base URL, e.g. http://127.0.0.1:40123 (append any path). */
  url: string;
  received: ReceivedHook[];
  /** The request at `index` (0 = first), waiting for it when it has not come yet. */
  nth(index: number, timeoutMs?: number): Promise<ReceivedHook>;
  /** How the next requests are answered; default 204. */
  answer: (request: ReceivedHook, index: number) => HookAnswer;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const waiters: (() => void)[] = [];
  const receiver = {
    received: [] as ReceivedHook[],
    answer: (() => ({ status: 204 })) as WebhookReceiver['answer'],
  } as WebhookReceiver;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch { /* kept as text */ }
      const hook = { path: request.url ?? '', headers: request.headers, body, at: Date.now() };
      const index = receiver.received.push(hook) - 1;
      waiters.splice(0).forEach((wake) => wake());
      const { status = 204, headers = {}, delayMs = 0 } = receiver.answer(hook, index);
      if (delayMs === Infinity) return;
      setTimeout(() => response.writeHead(status, headers).end(), delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  receiver.nth = async (index, timeoutMs = 10_000) => {
    const deadline = Date.now() + timeoutMs;
    while (receiver.received.length <= index) {
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(
          `webhook receiver: request ${index + 1} did not come within ${timeoutMs} ms`,
        );
      }
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, left);
      });
    }
    return receiver.received[index]!;
  };
  receiver.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return receiver;
}

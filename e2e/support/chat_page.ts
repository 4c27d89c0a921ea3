// The chat column of a watch or embed page as e2e tests drive it, through its contract
// (web/README.md): `[data-chat]` with data-status / data-transport / data-cursor, one
// `li[data-seq]` per message with `.chat-text`, `.chat-time` and data-own.
import assert from 'node:assert/strict';
import type { Frame, Page } from 'playwright-core';
import type { TestChatClient } from '../../core/testing/chat_client.ts';
import type { ChatMessage } from '../../core/wire/chat.ts';

type Scope = Page | Frame;

export interface ShownMessage {
  seq: number;
  text: string;
  own: boolean;
  author: string;
  time: string;
  dateTime: string;
}

export function chatOf(scope: Scope) {
  const root = scope.locator('[data-chat]');
  const input = scope.getByLabel('Write a message', { exact: true });
  return {
    root,
    input,
    notice: root.locator('.chat-notice'),
    counter: root.locator('.chat-counter'),
    log: root.getByRole('log'),
    attribute: async (name: string) => (await root.getAttribute(`data-${name}`)) ?? '',
    /** Waits for a welcomed connection (the first, or again after a drop). */
    async live(timeout = 20_000) {
      await scope.locator('[data-chat][data-status="live"]').waitFor({ timeout });
    },
    async shown(): Promise<ShownMessage[]> {
      return await root.locator('li[data-seq]').evaluateAll((items) =>
        items.map((item) => ({
          seq: Number(item.getAttribute('data-seq')),
          text: item.querySelector('.chat-text')?.textContent ?? '',
          own: item.getAttribute('data-own') === 'true',
          author: item.getAttribute('data-author') ?? '',
          time: item.querySelector('.chat-time')?.textContent ?? '',
          dateTime: item.querySelector('.chat-time')?.getAttribute('datetime') ?? '',
        }))
      );
    },
    /** Waits until the message with this seq is shown. */
    async showsSeq(seq: number, timeout = 15_000) {
      await root.locator(`li[data-seq="${seq}"]`).waitFor({ timeout });
    },
    /** "Join chat", then the input appears (a new connection with the guest identity). */
    async join() {
      await root.getByRole('button', { name: 'Join chat' }).click();
      await input.waitFor({ timeout: 15_000 });
    },
    /** Types and sends with Enter; resolves once the input is empty again (the edge took it). */
    async say(text: string) {
      await input.fill(text);
      await input.press('Enter');
      await scope.waitForFunction(
        () => (document.querySelector('.chat-input') as HTMLInputElement | null)?.value === '',
        undefined,
        { timeout: 10_000 },
      );
    },
  };
}

/** Sends from the Node client; resolves with the message as the edge stored it. */
export async function nodeSays(client: TestChatClient, text: string): Promise<ChatMessage> {
  const nonce = `e2e${crypto.randomUUID().replace(/-/g, '').slice(0, 20)}`;
  client.send(text, nonce);
  const reply = await client.reply(nonce, 10_000);
  assert.equal(reply.type, 'sent', `refused: ${JSON.stringify(reply)}`);
  const seq = (reply as { seq: number }).seq;
  const deadline = Date.now() + 10_000;
  for (;;) {
    const entry = client.entries.find((e) => e.seq === seq);
    if (entry?.kind === 'message') return entry;
    if (Date.now() > deadline) assert.fail(`the entry of seq ${seq} never came back`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Asserts each seq once, ascending, and returns the texts in order. */
export function textsInOrder(messages: ShownMessage[]): string[] {
  const seqs = messages.map((m) => m.seq);
  assert.equal(new Set(seqs).size, seqs.length, `a seq shown twice: ${seqs}`);
  assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), 'shown out of order');
  return messages.map((m) => m.text);
}

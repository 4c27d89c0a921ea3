// Following the newest message: the list scrolls to each new one while the reader is at
// the bottom, and stays put once they scroll up to read (a button then offers the way back
// and says how many came since).

/** How close to the bottom still counts as "at the bottom" (a line of slack, in px). */
export const AT_BOTTOM_SLACK_PX = 40;

export interface ScrollBox {
  scrollTop: number;
  scrollHeight: number;
  clientHeight: number;
}

export function isAtBottom(box: ScrollBox, slack = AT_BOTTOM_SLACK_PX): boolean {
  return box.scrollHeight - box.scrollTop - box.clientHeight <= slack;
}

/** Messages newer than the last one the reader had in view. */
export function unseenCount(messages: readonly { seq: number }[], seenSeq: number): number {
  let count = 0;
  for (let i = messages.length - 1; i >= 0 && messages[i]!.seq > seenSeq; i--) count++;
  return count;
}

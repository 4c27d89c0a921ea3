// The page's one source of truth: the collector's status over Server-Sent Events. The
// browser's EventSource reconnects by itself after a dropped connection; we only track
// whether data flows, because that is what the crew must know ("is this page lying?").
import { useEffect, useState } from 'preact/hooks';
import type { CollectorStatus } from '../status.ts';

export type Contact = 'connecting' | 'ok' | 'lost';

export interface Feed {
  /** The newest snapshot, or null before the first one arrived. */
  status: CollectorStatus | null;
  /** Local clock (ms) when `status` arrived, to age it and to run relative times on. */
  receivedAt: number;
  contact: Contact;
}

/**
 * An EventSource that an HTTP error answer closed for good (say a proxy's 502 while the
 * collector restarts) does not retry; we open a new one after this pause.
 */
const REOPEN_AFTER_MS = 3_000;

export function useCollectorStatus(url = '/api/events'): Feed {
  const [feed, setFeed] = useState<Feed>({ status: null, receivedAt: 0, contact: 'connecting' });

  useEffect(() => {
    let source: EventSource | null = null;
    let reopen: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;

    const onStatus = (event: MessageEvent<string>) => {
      let status: CollectorStatus;
      try {
        status = JSON.parse(event.data) as CollectorStatus;
      } catch {
        return; // a garbled event is dropped: the next one is at most 200 ms away
      }
      setFeed({ status, receivedAt: Date.now(), contact: 'ok' });
    };

    const open = () => {
      source = new EventSource(url);
      source.addEventListener('status', onStatus);
      source.onerror = () => {
        // Only data clears the banner again (an `open` alone proves little).
        setFeed((current) =>
          current.contact === 'lost' ? current : { ...current, contact: 'lost' }
        );
        if (source?.readyState === EventSource.CLOSED && !stopped) {
          source.close();
          reopen = setTimeout(open, REOPEN_AFTER_MS);
        }
      };
    };
    open();

    return () => {
      stopped = true;
      clearTimeout(reopen);
      source?.close();
    };
  }, [url]);

  return feed;
}

// Says loudly when what the page shows may no longer be true: the event stream broke, or
// (stream open but silent) the daemon stopped sending. The daemon sends 4–5 snapshots a
// second, so a few seconds without one is already news.
import { formatAgo } from './format.ts';
import type { Contact } from './use_collector_status.ts';
import { useNow } from './use_now.ts';

export const STALE_AFTER_MS = 5_000;

export function ContactBanner(props: { contact: Contact; receivedAt: number; hasStatus: boolean }) {
  const now = useNow();
  const stale = props.hasStatus && now - props.receivedAt > STALE_AFTER_MS;
  if (props.contact !== 'lost' && !stale) return null;
  return (
    <div class='contact-banner' role='alert' data-contact='lost'>
      <strong>Lost contact with the collector.</strong> {props.hasStatus
        ? `Showing the last known status, received ${formatAgo(now - props.receivedAt)}. `
        : 'No status received yet. '}
      Reconnecting…
    </div>
  );
}

// A person's account: who they are, their credits (with the warning before a stream is cut
// off), their rooms and stream keys (a new key is shown once), why the last stream ended,
// what used credits, and the way to stream (apply, then wait for an admin).
import { useEffect, useState } from 'preact/hooks';
import {
  AccountError,
  applyToStream,
  getSummary,
  newStreamKey,
  type OwnRoom,
  signOut,
  startCheckout,
  type Summary,
} from './account_api.ts';
import { Field } from './Field.tsx';
import { useAction } from './use_action.ts';

/** The summary is read again this often: credits go down while a room is live. */
const REFRESH_MS = 15_000;

function formatMoney(cents: number, currency: string): string {
  return new Intl.NumberFormat(undefined, { style: 'currency', currency: currency.toUpperCase() })
    .format(cents / 100);
}

function RoomKeys({ room }: { room: OwnRoom }) {
  const [shown, setShown] = useState<string | null>(null);
  const { busy, error, run } = useAction();
  const ended = room.lastSession?.endReason === 'cutOff' ? room.lastSession.endDetail : null;
  return (
    <li data-own-room={room.id}>
      <h3>
        {room.title} <span class={`state state-${room.state}`}>{room.state}</span>
      </h3>
      {ended && (
        <p role='alert' class='refusal' data-cut-off=''>Your last stream was cut off: {ended}</p>
      )}
      <p>
        Server: the RTMP address your operator gave you; stream key: one of these (shown only when
        made).
      </p>
      <ul class='keys'>
        {room.keys.filter((k) => !k.revokedAt).map((k) => <li key={k.id}>{k.hint}</li>)}
      </ul>
      {shown && (
        <p class='new-key'>
          New stream key (copy it now, it is not shown again): <code data-new-key=''>{shown}</code>
        </p>
      )}
      {error && <p role='alert' class='refusal'>{error.message}</p>}
      <button
        type='button'
        class='button'
        disabled={busy}
        onClick={() => void run(async () => setShown((await newStreamKey(room.id)).key))}
      >
        New stream key
      </button>
    </li>
  );
}

function ApplyForm({ onApplied }: { onApplied(): void }) {
  const [roomId, setRoomId] = useState('');
  const [title, setTitle] = useState('');
  const { busy, error, submit } = useAction();
  return (
    <form
      data-form='apply'
      onSubmit={submit(async () => {
        await applyToStream(roomId.trim(), title.trim());
        onApplied();
      })}
    >
      <h2>Stream here</h2>
      <p>Name the room you want; an admin approves it, then you can make stream keys.</p>
      <Field
        label='Room name (in its address)'
        name='roomId'
        value={roomId}
        onValue={setRoomId}
        pattern='[a-z0-9][a-z0-9\-]{0,62}'
        hint='Lowercase letters, digits and dashes, like my-talks.'
      />
      <Field label='Title' name='title' value={title} onValue={setTitle} />
      {error && <p role='alert' class='refusal'>{error.message}</p>}
      <button type='submit' class='button' disabled={busy}>Apply</button>
    </form>
  );
}

export function AccountPage() {
  const [summary, setSummary] = useState<Summary | null>(null);
  const [error, setError] = useState<AccountError | null>(null);
  const buying = useAction();
  const load = async () => {
    try {
      setSummary(await getSummary());
      setError(null);
    } catch (failure) {
      if (failure instanceof AccountError && failure.status === 401) {
        location.assign('/login');
        return;
      }
      setError(failure as AccountError);
    }
  };
  useEffect(() => {
    void load();
    const timer = setInterval(load, REFRESH_MS);
    return () => clearInterval(timer);
  }, []);
  if (!summary) {
    return (
      <section class='account-card'>
        {error ? <p role='alert'>{error.message}</p> : <p>Loading…</p>}
      </section>
    );
  }
  const { account, billing } = summary;
  const checkoutDone = new URLSearchParams(location.search).get('checkout') === 'done';
  return (
    <section class='account' data-account={account.role}>
      <header>
        <h1>Your account</h1>
        <p>
          {account.name || account.email} · {account.email} ·{' '}
          <span data-role=''>{account.role}</span>
        </p>
        <button
          type='button'
          class='button secondary'
          onClick={() => void signOut().then(() => location.assign('/login'))}
        >
          Sign out
        </button>
        {account.role === 'admin' && <a href='/admin/approvals'>Approvals</a>}
      </header>

      {billing.enabled && (
        <section aria-labelledby='credits-title' data-billing={billing.state}>
          <h2 id='credits-title'>Credits</h2>
          <p class='balance'>
            <strong data-balance=''>{billing.balance}</strong> credits · plan {billing.plan}
          </p>
          {billing.warning && (
            <p role='status' class={`warning warning-${billing.state}`}>{billing.warning}</p>
          )}
          {checkoutDone && <p role='status'>Thank you: the credits appear when Stripe confirms.</p>}
          {summary.packs.map((pack) => (
            <button
              key={pack.id}
              type='button'
              class='button'
              disabled={buying.busy}
              onClick={() =>
                void buying.run(async () => location.assign((await startCheckout(pack.id)).url))}
            >
              Buy {pack.credits} credits ({formatMoney(pack.amountCents, pack.currency)})
            </button>
          ))}
          {buying.error && <p role='alert' class='refusal'>{buying.error.message}</p>}
        </section>
      )}

      {summary.rooms.length > 0 && (
        <section aria-labelledby='rooms-title'>
          <h2 id='rooms-title'>Your rooms</h2>
          <ul class='own-rooms'>
            {summary.rooms.map((room) => <RoomKeys key={room.id} room={room} />)}
          </ul>
        </section>
      )}

      {account.role === 'viewer' && (summary.application
        ? (
          <p role='status' data-application='pending'>
            Your application for room <strong>{summary.application.roomId}</strong>{' '}
            is waiting for an admin.
          </p>
        )
        : account.streamer === 'refused'
        ? <p role='status'>An admin turned down your application to stream.</p>
        : <ApplyForm onApplied={() => void load()} />)}

      {summary.usage.length > 0 && (
        <section aria-labelledby='usage-title'>
          <h2 id='usage-title'>Usage</h2>
          <table class='usage'>
            <thead>
              <tr>
                <th scope='col'>When</th>
                <th scope='col'>What</th>
                <th scope='col'>Credits</th>
              </tr>
            </thead>
            <tbody>
              {summary.usage.map((entry, i) => (
                <tr key={i} data-usage={entry.kind}>
                  <td>{new Date(entry.at).toLocaleString()}</td>
                  <td>{entry.memo}</td>
                  <td>{entry.credits > 0 ? `+${entry.credits}` : entry.credits}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
    </section>
  );
}

// The operator's page for a whole event: every room as a tile, the nodes, the alerts, live
// over server-sent events. Someone who is not signed in as an operator or admin is told so
// and sent to sign in, with the way back here.
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import {
  acknowledge,
  ControlError,
  type ControlRoom,
  endSession,
  loadControlRoom,
  moveRoom,
  restartPipeline,
  type RoomTile,
  rotateKey,
  streamControlRoom,
} from './control_api.ts';
import { AlertList } from './AlertList.tsx';
import { ConfirmDialog, type PendingAction } from './ConfirmDialog.tsx';
import { NodeList } from './NodeList.tsx';
import { RoomTileView, type TileActions } from './RoomTileView.tsx';

/** `/control` is every room; `/control/<event>` one event's. */
export function eventFromPath(path: string): string | null {
  const match = /^\/control\/([a-z0-9][a-z0-9-]{0,62})\/?$/.exec(path);
  return match ? match[1]! : null;
}

function SignInNeeded(props: { error: ControlError }) {
  const next = encodeURIComponent(location.pathname);
  return (
    <section class='control-gate' data-gate={props.error.status}>
      <h1>Control room</h1>
      <p role='alert' class='refusal'>
        {props.error.status === 401
          ? 'Sign in as an operator to open the control room.'
          : `Your account cannot open the control room (${props.error.message}). Sign in as an operator or admin.`}
      </p>
      <p>
        <a class='button' href={`/login?next=${next}`}>Sign in</a>
      </p>
    </section>
  );
}

export function ControlRoomPage() {
  const eventId = eventFromPath(location.pathname);
  const [snapshot, setSnapshot] = useState<ControlRoom | null>(null);
  const [failure, setFailure] = useState<ControlError | null>(null);
  const [connected, setConnected] = useState(false);
  const [now, setNow] = useState(Date.now());
  const [pending, setPending] = useState<PendingAction | null>(null);
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<string | null>(null);
  const [outcome, setOutcome] = useState<ComponentChildren | null>(null);

  useEffect(() => {
    let stop = () => {};
    loadControlRoom(eventId).then((first) => {
      setSnapshot(first);
      stop = streamControlRoom(eventId, setSnapshot, setConnected);
    }, (error: ControlError) => setFailure(error));
    const clock = setInterval(() => setNow(Date.now()), 1000);
    return () => {
      stop();
      clearInterval(clock);
    };
  }, []);

  if (failure && (failure.status === 401 || failure.status === 403)) {
    return <SignInNeeded error={failure} />;
  }
  if (failure) return <p role='alert' class='refusal'>{failure.message}</p>;
  if (!snapshot) return <p class='control-loading'>Loading the control room…</p>;

  const ask = (action: PendingAction) => {
    setActionError(null);
    setOutcome(null);
    setPending(action);
  };
  const confirm = async () => {
    if (!pending) return;
    setBusy(true);
    try {
      const shown = await pending.run();
      if (shown) setOutcome(shown);
      else setPending(null);
    } catch (error) {
      setActionError((error as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const actions: TileActions = {
    restart: (tile: RoomTile) =>
      ask({
        title: `Restart the pipeline of ${tile.title}?`,
        body: (
          <p>
            The encoder starts a fresh ladder. Viewers see a short jump; nothing is lost from the
            recording.
          </p>
        ),
        confirmLabel: 'Restart pipeline',
        run: async () => void (await restartPipeline(tile.id)),
      }),
    move: (tile, encoderNodeId) =>
      ask({
        title: `Move ${tile.title} to ${encoderNodeId}?`,
        body: (
          <p>
            The room is pinned to{' '}
            {encoderNodeId}. If it is live, its publisher reconnects there and viewers see the slate
            for a few seconds.
          </p>
        ),
        confirmLabel: `Move to ${encoderNodeId}`,
        run: async () => void (await moveRoom(tile.id, encoderNodeId)),
      }),
    rotateKey: (tile) =>
      ask({
        title: `Rotate the stream key of ${tile.title}?`,
        body: (
          <p>
            Every key of the room stops working at once, including the one the venue box uses; you
            get a new key to put in its config.
          </p>
        ),
        confirmLabel: 'Rotate key',
        run: async () => {
          const { key, revoked } = await rotateKey(tile.id);
          return (
            <>
              <p>{revoked} old key(s) revoked. The new key, shown only now:</p>
              <p>
                <code class='new-key' data-new-key>{key}</code>
              </p>
            </>
          );
        },
      }),
    endSession: (tile) =>
      ask({
        title: `End the session of ${tile.title}?`,
        body: (
          <p>
            The publisher is dropped. A venue box reconnects by itself; rotate the key as well to
            keep it off.
          </p>
        ),
        confirmLabel: 'End session',
        run: async () => void (await endSession(tile.id)),
      }),
  };
  const encoders = snapshot.nodes.filter((node) => node.kind === 'encoder');
  return (
    <div class='control'>
      <header class='control-header'>
        <h1>
          {snapshot.event ? snapshot.event.title : 'All rooms'} <small>control room</small>
        </h1>
        <span
          class={`stream-state ${connected ? 'connected' : 'behind'}`}
          data-stream={connected ? 'live' : 'behind'}
        >
          {connected ? 'live' : 'reconnecting…'}
        </span>
      </header>
      {actionError && !pending && <p role='alert' class='refusal'>{actionError}</p>}
      <div class='control-body'>
        <section class='tiles' aria-label='Rooms'>
          {snapshot.rooms.length === 0
            ? <p>No rooms in this event yet.</p>
            : snapshot.rooms.map((tile) => (
              <RoomTileView key={tile.id} tile={tile} encoders={encoders} actions={actions} />
            ))}
        </section>
        <aside class='side'>
          <AlertList
            alerts={snapshot.alerts}
            deadDeliveries={snapshot.deadDeliveries}
            now={now}
            onAcknowledge={(alert) =>
              void acknowledge(alert.id).catch((error) => setActionError((error as Error).message))}
          />
          <NodeList nodes={snapshot.nodes} now={now} />
        </aside>
      </div>
      <ConfirmDialog
        action={pending}
        busy={busy}
        error={actionError}
        outcome={outcome}
        onConfirm={() => void confirm()}
        onClose={() => {
          setPending(null);
          setOutcome(null);
        }}
      />
    </div>
  );
}

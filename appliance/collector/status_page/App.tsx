// The whole page: tally first (read from across the room), then what can go wrong, then
// picture and sound, then the details an engineer asks for on the phone.
import { useEffect } from 'preact/hooks';
import { ContactBanner } from './ContactBanner.tsx';
import { Header } from './Header.tsx';
import { InputPanel } from './InputPanel.tsx';
import { Meters } from './Meters.tsx';
import { Preview } from './Preview.tsx';
import { RecordingPanel } from './RecordingPanel.tsx';
import { Tally } from './Tally.tsx';
import { UplinkPanel } from './UplinkPanel.tsx';
import { useCollectorStatus } from './use_collector_status.ts';
import { Warnings } from './Warnings.tsx';
import { WorkerPanel } from './WorkerPanel.tsx';

export function App() {
  const { status, receivedAt, contact } = useCollectorStatus();
  const onAir = status ? status.onAir : null;
  const room = status?.room;

  // The browser tab says it too, for a crew member with the page in a background tab.
  useEffect(() => {
    if (room === undefined) return;
    document.title = `${onAir ? 'ON AIR' : 'OFFLINE'} · ${room} · roomcast collector`;
  }, [onAir, room]);

  const clock = status ? { at: status.at, receivedAt } : null;
  return (
    <main class='page'>
      <ContactBanner contact={contact} receivedAt={receivedAt} hasStatus={status !== null} />
      <Header status={status} />
      <Tally onAir={onAir} contact={contact} />
      <Warnings status={status} />
      {status && clock && (
        <>
          <div class='grid'>
            <Preview updatedAt={status.preview.updatedAt} clock={clock} />
            <Meters audio={status.audio} />
          </div>
          <div class='grid'>
            <InputPanel input={status.input} />
            <UplinkPanel uplink={status.uplink} clock={clock} />
            <RecordingPanel recording={status.recording} />
            <WorkerPanel worker={status.worker} />
          </div>
        </>
      )}
    </main>
  );
}

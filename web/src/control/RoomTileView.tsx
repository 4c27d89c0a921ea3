// One room of the event: on air or not, the venue box's picture beside what viewers get
// (the confidence monitor), the sound, the uplink, the encoder, and the actions.
import type { NodeInfo, RoomTile } from './control_api.ts';
import { tileAlarms } from './levels.ts';
import { Meters } from './Meters.tsx';

const STATE_TEXT: Record<RoomTile['state'], string> = {
  live: 'ON AIR',
  reconnecting: 'RECONNECTING',
  offline: 'OFFLINE',
  ended: 'ENDED',
};

const ALARM_TEXT = {
  silence: 'SILENCE',
  clipping: 'CLIPPING',
  black: 'BLACK',
  frozen: 'FROZEN',
  uplink: 'UPLINK LOST',
} as const;

export interface TileActions {
  restart(tile: RoomTile): void;
  move(tile: RoomTile, encoderNodeId: string): void;
  rotateKey(tile: RoomTile): void;
  endSession(tile: RoomTile): void;
}

function Picture(props: { url: string | null; label: string; alt: string }) {
  return (
    <figure class='picture'>
      {props.url
        ? <img src={props.url} alt={props.alt} width={256} height={144} />
        : <div class='picture-empty'>no picture</div>}
      <figcaption>{props.label}</figcaption>
    </figure>
  );
}

export function RoomTileView(
  props: { tile: RoomTile; encoders: NodeInfo[]; actions: TileActions },
) {
  const { tile, actions } = props;
  const { collector, encoder } = tile;
  const alarms = tileAlarms(tile);
  const onAir = tile.state === 'live';
  const others = props.encoders.filter((n) => n.state === 'up' && n.id !== encoder?.nodeId);
  return (
    <article class={`tile tile-${tile.state}`} data-room={tile.id} data-state={tile.state}>
      <header>
        <h2>{tile.title}</h2>
        <span class={`state state-${tile.state}`} data-tile-state>{STATE_TEXT[tile.state]}</span>
      </header>
      {alarms.length > 0 && (
        <p class='alarms' role='alert'>
          {alarms.map((alarm) => (
            <span key={alarm} class={`alarm alarm-${alarm}`} data-alarm={alarm}>
              {ALARM_TEXT[alarm]}
            </span>
          ))}
        </p>
      )}
      <div class='pictures'>
        <Picture
          url={collector?.previewUrl ?? null}
          label='Venue'
          alt={`${tile.title}: what the venue box sees`}
        />
        <Picture
          url={encoder?.output?.frameUrl ?? null}
          label='Viewers get'
          alt={`${tile.title}: what viewers get`}
        />
      </div>
      {collector
        ? <Meters levels={collector.levels} />
        : <p class='meters-empty'>no venue box reporting</p>}
      <dl class='facts'>
        <dt>Uplink</dt>
        <dd data-uplink>
          {collector
            ? `${collector.uplink.state} · ${Math.round(collector.uplink.bitrateKbps)} kbit/s · ` +
              `${collector.uplink.reconnects} reconnects`
            : '—'}
        </dd>
        <dt>Encoder</dt>
        <dd data-encoder>
          {encoder
            ? `${encoder.nodeId}${
              encoder.cpuLoad === null ? '' : ` · CPU ${Math.round(encoder.cpuLoad * 100)} %`
            }`
            : '—'}
        </dd>
        <dt>Viewers</dt>
        <dd data-viewers>{tile.viewers}</dd>
        <dt>Renditions</dt>
        <dd>
          {encoder?.renditions.length
            ? encoder.renditions.map((r) =>
              `${r.name}${r.speed === null ? '' : ` ${r.speed.toFixed(2)}×`}`
            ).join(', ')
            : '—'}
        </dd>
        <dt>Latency</dt>
        <dd data-latency>
          {encoder?.output?.latencySeconds != null
            ? `${encoder.output.latencySeconds.toFixed(1)} s to the encoder`
            : '—'}
        </dd>
      </dl>
      {encoder?.ingestAdvice && <p class='advice'>{encoder.ingestAdvice}</p>}
      <div class='actions'>
        <button
          type='button'
          class='button secondary'
          disabled={!onAir}
          onClick={() => actions.restart(tile)}
        >
          Restart pipeline
        </button>
        <label class='move'>
          <span class='visually-hidden'>Move {tile.title} to encoder</span>
          <select
            disabled={!others.length}
            value=''
            onChange={(event) => {
              const target = (event.target as HTMLSelectElement).value;
              if (target) actions.move(tile, target);
              (event.target as HTMLSelectElement).value = '';
            }}
          >
            <option value=''>Move to…</option>
            {others.map((node) => <option key={node.id} value={node.id}>{node.id}</option>)}
          </select>
        </label>
        <button type='button' class='button secondary' onClick={() => actions.rotateKey(tile)}>
          Rotate key
        </button>
        <button
          type='button'
          class='button danger'
          disabled={!onAir}
          onClick={() => actions.endSession(tile)}
        >
          End session
        </button>
      </div>
    </article>
  );
}

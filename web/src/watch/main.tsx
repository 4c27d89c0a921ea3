import '../styles/base.css';
import './watch.css';
import { render } from 'preact';
import { roomIdFromPath } from '../player/room_id.ts';
import { latencyModeFrom } from '../player/tuning.ts';
import { WatchPage } from './WatchPage.tsx';

render(
  <WatchPage
    roomId={roomIdFromPath(location.pathname, 'watch')}
    latency={latencyModeFrom(location.search)}
  />,
  document.getElementById('app')!,
);

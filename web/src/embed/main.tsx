import '../styles/base.css';
import './embed.css';
import { render } from 'preact';
import { roomIdFromPath } from '../player/room_id.ts';
import { latencyModeFrom } from '../player/tuning.ts';
import { chatWanted } from './chat_option.ts';
import { EmbedPage } from './EmbedPage.tsx';

render(
  <EmbedPage
    roomId={roomIdFromPath(location.pathname, 'embed')}
    latency={latencyModeFrom(location.search)}
    chat={chatWanted(location.search)}
  />,
  document.getElementById('app')!,
);

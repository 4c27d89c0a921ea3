import '../styles/base.css';
import './crew.css';
import { render } from 'preact';
import { roomIdFromPath } from '../player/room_id.ts';
import { CrewPage } from './CrewPage.tsx';

render(
  <CrewPage eventId={roomIdFromPath(location.pathname, 'crew')} />,
  document.getElementById('app')!,
);

import '../styles/base.css';
import './rooms.css';
import { render } from 'preact';
import { RoomList } from './RoomList.tsx';

render(<RoomList />, document.getElementById('app')!);

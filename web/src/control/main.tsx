import '../styles/base.css';
import './control.css';
import { render } from 'preact';
import { ControlRoomPage } from './ControlRoomPage.tsx';

render(<ControlRoomPage />, document.getElementById('app')!);

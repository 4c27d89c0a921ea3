// Entry of the collector's status page, bundled by bundle.ts and served as /status.js.
import { render } from 'preact';
import { App } from './App.tsx';

const root = document.getElementById('app');
if (root) render(<App />, root);

// The capture pipeline process the daemon supervises; restarts are normal after a cable
// pull, a climbing count is worth a look.
import type { CollectorStatus } from '../status.ts';
import { Field, Fields, Panel } from './Panel.tsx';

const TONE = {
  running: 'good',
  starting: 'warn',
  restarting: 'bad',
  stopped: 'bad',
} as const;

export function WorkerPanel(props: { worker: CollectorStatus['worker'] }) {
  const w = props.worker;
  return (
    <Panel title='Pipeline'>
      <Fields>
        <Field label='State' tone={TONE[w.state]}>{w.state.toUpperCase()}</Field>
        <Field label='PID'>{w.pid ?? '—'}</Field>
        <Field label='Restarts' tone={w.restarts > 0 ? 'warn' : undefined}>{w.restarts}</Field>
        <Field label='Last error'>{w.lastError ?? 'none'}</Field>
      </Fields>
    </Panel>
  );
}

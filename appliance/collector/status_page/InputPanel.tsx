// Is the mixer's picture reaching us, and in what format.
import type { CollectorStatus } from '../status.ts';
import { Field, Fields, Panel } from './Panel.tsx';

export function InputPanel(props: { input: CollectorStatus['input'] }) {
  const { present, format } = props.input;
  return (
    <Panel title='Input'>
      <Fields>
        <Field label='Signal' tone={present ? 'good' : 'bad'}>
          {present ? 'PRESENT' : 'ABSENT'}
        </Field>
        <Field label='Format'>{format ?? 'unknown'}</Field>
      </Fields>
    </Panel>
  );
}

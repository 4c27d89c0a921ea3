// A titled card of label/value rows: every section of the page has this shape, so the
// crew's eye learns one layout.
import type { ComponentChildren } from 'preact';

export function Panel(props: { title: string; children: ComponentChildren; class?: string }) {
  const id = `panel-${props.title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
  return (
    <section class={`panel ${props.class ?? ''}`} aria-labelledby={id}>
      <h2 id={id}>{props.title}</h2>
      {props.children}
    </section>
  );
}

export function Fields(props: { children: ComponentChildren }) {
  return <dl class='fields'>{props.children}</dl>;
}

/** One row; `tone` colours the value when it is the thing to notice (bad, good). */
export function Field(
  props: { label: string; children: ComponentChildren; tone?: 'good' | 'warn' | 'bad' },
) {
  return (
    <div class='field'>
      <dt>{props.label}</dt>
      <dd class={props.tone ? `tone-${props.tone}` : undefined}>{props.children}</dd>
    </div>
  );
}

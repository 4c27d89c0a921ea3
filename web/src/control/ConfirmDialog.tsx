// One confirmation for every action: what will happen, in words, and a button that says
// the action. Nothing runs until it is pressed; Escape or Cancel leaves everything as it was.
import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';

export interface PendingAction {
  title: string;
  /** What will happen, for the person about to press the button. */
  body: ComponentChildren;
  confirmLabel: string;
  run(): Promise<ComponentChildren | void>;
}

export function ConfirmDialog(props: {
  action: PendingAction | null;
  busy: boolean;
  error: string | null;
  /** What the action returned to show (a new key), once it ran. */
  outcome: ComponentChildren | null;
  onConfirm(): void;
  onClose(): void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (props.action && !element.open) element.showModal();
    if (!props.action && element.open) element.close();
  }, [props.action]);
  const { action } = props;
  return (
    <dialog ref={dialog} class='confirm' onClose={props.onClose} aria-labelledby='confirm-title'>
      {action && (
        <form
          method='dialog'
          onSubmit={(event) => event.preventDefault()}
        >
          <h2 id='confirm-title'>{action.title}</h2>
          <div>{action.body}</div>
          {props.error && <p role='alert' class='refusal'>{props.error}</p>}
          {props.outcome
            ? (
              <>
                <div class='outcome' role='status'>{props.outcome}</div>
                <button type='button' class='button' onClick={props.onClose}>Close</button>
              </>
            )
            : (
              <p class='confirm-buttons'>
                <button type='button' class='button secondary' onClick={props.onClose}>
                  Cancel
                </button>{' '}
                <button
                  type='button'
                  class='button danger'
                  disabled={props.busy}
                  data-confirm
                  onClick={props.onConfirm}
                >
                  {props.busy ? 'Working…' : action.confirmLabel}
                </button>
              </p>
            )}
        </form>
      )}
    </dialog>
  );
}

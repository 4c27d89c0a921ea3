// A form's one action at a time: busy while it runs, its refusal kept to show.
import { useState } from 'preact/hooks';
import { AccountError } from './account_api.ts';

export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<AccountError | null>(null);
  const run = async (action: () => Promise<void>) => {
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (failure) {
      setError(
        failure instanceof AccountError
          ? failure
          : new AccountError(0, (failure as Error).message, null),
      );
    } finally {
      setBusy(false);
    }
  };
  /** A form's onSubmit that runs `action` instead of submitting the page. */
  const submit = (action: () => Promise<void>) => (event: Event) => {
    event.preventDefault();
    void run(action);
  };
  return { busy, error, run, submit };
}

// The admins' list of people who asked to stream: approve (their room is created and they
// get the welcome credits) or refuse.
import { useEffect, useState } from 'preact/hooks';
import { AccountError, type Application, decide, listApplications } from './account_api.ts';
import { useAction } from './use_action.ts';

export function ApprovalsPage() {
  const [applications, setApplications] = useState<Application[] | null>(null);
  const [loadError, setLoadError] = useState<AccountError | null>(null);
  const { busy, error, run } = useAction();
  const load = async () => {
    try {
      setApplications((await listApplications()).applications);
    } catch (failure) {
      if (failure instanceof AccountError && failure.status === 401) location.assign('/login');
      else setLoadError(failure as AccountError);
    }
  };
  useEffect(() => void load(), []);
  const decideThenReload = (accountId: string, decision: 'approve' | 'refuse') =>
    void run(async () => {
      await decide(accountId, decision);
      await load();
    });
  return (
    <section class='account' aria-labelledby='approvals-title'>
      <h1 id='approvals-title'>Applications to stream</h1>
      <p>
        <a href='/account'>Your account</a>
      </p>
      {loadError && <p role='alert' class='refusal'>{loadError.message}</p>}
      {error && <p role='alert' class='refusal'>{error.message}</p>}
      {applications === null
        ? <p>Loading…</p>
        : applications.length === 0
        ? <p>No one is waiting.</p>
        : (
          <ul class='applications'>
            {applications.map((a) => (
              <li key={a.account.id} data-application={a.account.email}>
                <strong>{a.account.name || a.account.email}</strong> ({a.account.email}) wants room
                {' '}
                <code>{a.roomId}</code> “{a.roomTitle}”{' '}
                <button
                  type='button'
                  class='button'
                  disabled={busy}
                  onClick={() => decideThenReload(a.account.id, 'approve')}
                >
                  Approve
                </button>{' '}
                <button
                  type='button'
                  class='button secondary'
                  disabled={busy}
                  onClick={() => decideThenReload(a.account.id, 'refuse')}
                >
                  Refuse
                </button>
              </li>
            ))}
          </ul>
        )}
    </section>
  );
}

// Signing up, signing in and resetting a password: small forms, each saying what happens
// next (check your mail) and what went wrong in the edge's own words.
import { useState } from 'preact/hooks';
import { requestReset, resendVerification, resetPassword, signIn, signUp } from './account_api.ts';
import { EmailField, Field, NewPasswordField } from './Field.tsx';
import { useAction } from './use_action.ts';
import { afterSignIn } from './after_sign_in.ts';

function Refusal({ error }: { error: Error | null }) {
  return error ? <p role='alert' class='refusal'>{error.message}</p> : null;
}

export function SignUpPage() {
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [sent, setSent] = useState(false);
  const { busy, error, submit } = useAction();
  if (sent) {
    return (
      <section class='account-card' data-signed-up=''>
        <h1>Check your mail</h1>
        <p>
          We sent a link to{' '}
          <strong>{email}</strong>. Open it to confirm your address; it signs you in.
        </p>
      </section>
    );
  }
  return (
    <form
      class='account-card'
      data-form='sign-up'
      onSubmit={submit(async () => {
        await signUp(email.trim(), password, name.trim());
        setPassword('');
        setSent(true);
      })}
    >
      <h1>Create an account</h1>
      <Field label='Name' name='name' value={name} onValue={setName} autocomplete='name' />
      <EmailField value={email} onValue={setEmail} autocomplete='email' />
      <NewPasswordField label='Password' value={password} onValue={setPassword} />
      <Refusal error={error} />
      <button type='submit' class='button' disabled={busy}>
        {busy ? 'Creating…' : 'Create account'}
      </button>
      <p>
        Have an account? <a href='/login'>Sign in</a>
      </p>
    </form>
  );
}

export function LoginPage() {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [resent, setResent] = useState(false);
  const { busy, error, submit } = useAction();
  const resending = useAction();
  const unverified = error?.reason === 'EMAIL_NOT_VERIFIED';
  return (
    <form
      class='account-card'
      data-form='login'
      onSubmit={submit(async () => {
        // The field is cleared whatever the answer: the password does not stay in the page.
        const typed = password;
        setPassword('');
        await signIn(email.trim(), typed);
        location.assign(afterSignIn(location.search));
      })}
    >
      <h1>Sign in</h1>
      <EmailField value={email} onValue={setEmail} autocomplete='username' />
      <Field
        label='Password'
        name='password'
        type='password'
        value={password}
        onValue={setPassword}
        autocomplete='current-password'
      />
      <Refusal error={error} />
      {unverified && !resent && (
        <button
          type='button'
          class='button secondary'
          disabled={resending.busy}
          onClick={() =>
            void resending.run(async () => {
              await resendVerification(email.trim());
              setResent(true);
            })}
        >
          Send the confirmation mail again
        </button>
      )}
      <Refusal error={resending.error} />
      {resent && <p>Sent: open the link in the new mail.</p>}
      <button type='submit' class='button' disabled={busy}>
        {busy ? 'Signing in…' : 'Sign in'}
      </button>
      <p>
        <a href='/reset'>Forgot your password?</a> · <a href='/signup'>Create an account</a>
      </p>
    </form>
  );
}

/** Without a token: ask for the mail. With one (the mail's link led here): a new password. */
export function ResetPage() {
  const token = new URLSearchParams(location.search).get('token');
  const linkError = new URLSearchParams(location.search).get('error');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [done, setDone] = useState(false);
  const { busy, error, submit } = useAction();
  if (done) {
    return (
      <section class='account-card' data-reset-done=''>
        <h1>{token ? 'Password changed' : 'Check your mail'}</h1>
        {token
          ? (
            <p>
              Your other sessions were signed out. <a href='/login'>Sign in</a>{' '}
              with the new password.
            </p>
          )
          : <p>If an account has this address, a link to reset its password is on its way.</p>}
      </section>
    );
  }
  if (token) {
    return (
      <form
        class='account-card'
        data-form='new-password'
        onSubmit={submit(async () => {
          await resetPassword(token, password);
          setPassword('');
          setDone(true);
        })}
      >
        <h1>Choose a new password</h1>
        <NewPasswordField label='New password' value={password} onValue={setPassword} />
        <Refusal error={error} />
        <button type='submit' class='button' disabled={busy}>Change password</button>
      </form>
    );
  }
  return (
    <form
      class='account-card'
      data-form='reset'
      onSubmit={submit(async () => {
        await requestReset(email.trim());
        setDone(true);
      })}
    >
      <h1>Reset your password</h1>
      {linkError && (
        <p role='alert' class='refusal'>That link is used or too old; ask for a new one.</p>
      )}
      <EmailField value={email} onValue={setEmail} autocomplete='email' />
      <Refusal error={error} />
      <button type='submit' class='button' disabled={busy}>Send the link</button>
    </form>
  );
}

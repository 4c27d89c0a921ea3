// Signing in to chat under an account: email and password, handed to the session, which
// trades them for the chat cookie (chat_api.ts signIn). The password never stays in the
// page: the field is cleared whatever the answer.
import { useId, useState } from 'preact/hooks';

export interface SignInFormProps {
  /** Resolves true when signed in; false when refused (the session shows why). */
  signIn(email: string, password: string): Promise<boolean>;
  busy: boolean;
  /** What the form is for, above the fields. */
  lead: string;
}

export function SignInForm({ signIn, busy, lead }: SignInFormProps) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const emailId = useId();
  const passwordId = useId();
  const submit = async (event: Event) => {
    event.preventDefault();
    if (!email.trim() || !password || busy) return;
    const typed = password;
    setPassword('');
    await signIn(email.trim(), typed);
  };
  return (
    <form class='chat-sign-in' onSubmit={submit} data-chat-sign-in=''>
      <p>{lead}</p>
      <label for={emailId}>Email</label>
      <input
        id={emailId}
        class='chat-input'
        type='email'
        autocomplete='username'
        required
        value={email}
        onInput={(event) => setEmail(event.currentTarget.value)}
      />
      <label for={passwordId}>Password</label>
      <input
        id={passwordId}
        class='chat-input'
        type='password'
        autocomplete='current-password'
        required
        value={password}
        onInput={(event) => setPassword(event.currentTarget.value)}
      />
      <button type='submit' class='button' disabled={busy}>
        {busy ? 'Signing in…' : 'Sign in'}
      </button>
    </form>
  );
}

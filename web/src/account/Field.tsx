// The labelled inputs of the account forms.
import { useId } from 'preact/hooks';
import { MIN_PASSWORD_LENGTH } from '../../../core/wire/accounts.ts';

export interface FieldProps {
  label: string;
  type?: 'text' | 'email' | 'password';
  value: string;
  onValue(value: string): void;
  autocomplete?: string;
  /** Shown under the field (the rule a password must follow). */
  hint?: string;
  minLength?: number;
  pattern?: string;
  name: string;
}

export function Field(props: FieldProps) {
  const id = useId();
  const hintId = `${id}-hint`;
  const common = {
    id,
    name: props.name,
    required: true,
    value: props.value,
    autocomplete: props.autocomplete,
    minLength: props.minLength,
    pattern: props.pattern,
    'aria-describedby': props.hint ? hintId : undefined,
    onInput: (event: Event) => props.onValue((event.currentTarget as HTMLInputElement).value),
  };
  // One tag per type, not one with a union type: Preact's typings tie each input type to its own
  // attributes, and a password input takes no role.
  return (
    <div class='field'>
      <label for={id}>{props.label}</label>
      {props.type === 'password'
        ? <input type='password' {...common} />
        : props.type === 'email'
        ? <input type='email' {...common} />
        : <input type='text' {...common} />}
      {props.hint && <small id={hintId}>{props.hint}</small>}
    </div>
  );
}

type ValueProps = Pick<FieldProps, 'value' | 'onValue'>;

export function EmailField(props: ValueProps & { autocomplete: 'email' | 'username' }) {
  return <Field label='Email' name='email' type='email' {...props} />;
}

export function NewPasswordField(props: ValueProps & { label: string }) {
  return (
    <Field
      name='password'
      type='password'
      autocomplete='new-password'
      minLength={MIN_PASSWORD_LENGTH}
      hint={`At least ${MIN_PASSWORD_LENGTH} characters; a few words work well.`}
      {...props}
    />
  );
}

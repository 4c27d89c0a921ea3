// Reads a secret (password) from stdin: piped text, or typed at a prompt without echo.
// Secrets never come from argv, where any local user could read them.
import { createInterface } from 'node:readline';

export async function readSecret(
  prompt: string,
  input: NodeJS.ReadStream = process.stdin,
): Promise<string> {
  if (!input.isTTY) {
    let text = '';
    for await (const chunk of input) text += chunk;
    return text.replace(/\r?\n$/, '');
  }
  const rl = createInterface({ input, output: process.stderr, terminal: true });
  process.stderr.write(prompt);
  // Mute the echo of what is typed.
  (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = () => {};
  const answer = await new Promise<string>((resolve) => rl.question('', resolve));
  rl.close();
  process.stderr.write('\n');
  return answer;
}

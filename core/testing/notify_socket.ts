// A notify socket for tests, standing where systemd's would: an AF_UNIX datagram socket a
// test hands to a process as NOTIFY_SOCKET, with every datagram it receives. Node cannot
// open such a socket, so systemd's own `systemd-socket-activate` (Debian package
// `systemd`) binds it and execs a tiny Node reader with it as fd 3 on the first datagram;
// read(2) on a datagram socket returns one datagram per call, file descriptors that came
// with it (systemd-notify's BARRIER=1 pipe) are closed, which releases the sender.
import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningProcess, startProcess } from './process.ts';

export const SYSTEMD_SOCKET_ACTIVATE = '/usr/bin/systemd-socket-activate';

/** Prints each datagram on fd 3 as one JSON string per line. */
const READER = `
const fs = require('node:fs');
const buffer = Buffer.alloc(65536);
const next = () => fs.read(3, buffer, 0, buffer.length, null, (error, n) => {
  if (error) { console.error(String(error)); process.exit(1); }
  process.stdout.write(JSON.stringify(buffer.toString('utf8', 0, n)) + '\\n');
  next();
});
next();
`;

export interface Notification {
  /** The datagram's fields, like { READY: '1', STATUS: 'listening' }. */
  fields: Record<string, string>;
  /** Date.now() when the test read it. */
  at: number;
}

export interface NotifySocket {
  /** What to set NOTIFY_SOCKET to: a path, or `@name` for an abstract socket. */
  address: string;
  /** Every message so far except systemd-notify's BARRIER=1 handshakes. */
  notifications(): Notification[];
  /**
   * The first message (already received or still to come) that has `field`, optionally
   * with `value`; rejects after `timeoutMs`.
   */
  waitFor(field: string, value?: string, timeoutMs?: number): Promise<Notification>;
  close(): Promise<void>;
}

export async function listenNotifySocket(
  options: { abstract?: boolean } = {},
): Promise<NotifySocket> {
  const dir = await mkdtemp(join(tmpdir(), 'roomcast-notify-'));
  const address = options.abstract
    ? `@roomcast-test-${randomBytes(8).toString('hex')}`
    : join(dir, 'notify.sock');
  const received: Notification[] = [];
  const waiters = new Set<() => void>();
  const activator: RunningProcess = startProcess(SYSTEMD_SOCKET_ACTIVATE, [
    '--datagram',
    '--listen',
    address,
    process.execPath,
    '-e',
    READER,
  ], { removeOnStop: dir });

  let pending = '';
  activator.child.stdout?.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.startsWith('"')) continue;
      const text = JSON.parse(line) as string;
      const fields = Object.fromEntries(
        text.split('\n').filter(Boolean).map((field) => {
          const at = field.indexOf('=');
          return [field.slice(0, at), field.slice(at + 1)];
        }),
      );
      if (fields.BARRIER === '1') continue;
      received.push({ fields, at: Date.now() });
      for (const wake of waiters) wake();
    }
  });

  // Bound (not yet exec'd: that waits for the first datagram) once it says so on stderr.
  await activator.whenReady(
    new Promise<void>((resolve, reject) => {
      const deadline = setTimeout(() => reject(new Error('no "Listening on" after 10 s')), 10_000);
      const check = () => {
        if (!activator.output().includes('Listening on')) return;
        clearTimeout(deadline);
        activator.child.stderr?.off('data', check);
        resolve();
      };
      activator.child.stderr?.on('data', check);
      check();
    }),
  );

  const find = (field: string, value?: string) =>
    received.find((n) => field in n.fields && (value === undefined || n.fields[field] === value));

  return {
    address,
    notifications: () => [...received],
    waitFor: (field, value, timeoutMs = 30_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const found = find(field, value);
          if (!found) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(found);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(
              `no ${field}${value === undefined ? '' : `=${value}`} on the notify socket after ` +
                `${timeoutMs} ms; got ${JSON.stringify(received.map((n) => n.fields))}`,
            ),
          );
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
    close: () => activator.stop(),
  };
}

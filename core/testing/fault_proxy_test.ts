import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type FaultProxy, startFaultProxy } from './fault_proxy.ts';

interface EchoServer {
  port: number;
  server: Server;
  /** Server-side sockets, in the order they were accepted. */
  accepted: Socket[];
  close(): Promise<void>;
}

async function startEcho(): Promise<EchoServer> {
  const accepted: Socket[] = [];
  const server = createServer((socket) => {
    accepted.push(socket);
    socket.on('error', () => {});
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    server,
    accepted,
    close: async () => {
      for (const socket of accepted) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function withProxy(
  body: (proxy: FaultProxy, echo: EchoServer, clients: Socket[]) => Promise<void>,
): Promise<void> {
  const echo = await startEcho();
  const proxy = await startFaultProxy({ targetHost: '127.0.0.1', targetPort: echo.port });
  const clients: Socket[] = [];
  try {
    await body(proxy, echo, clients);
  } finally {
    for (const client of clients) client.destroy();
    await proxy.close();
    await echo.close();
  }
}

/** A client socket through the proxy; errors are kept instead of thrown. */
async function openClient(proxy: FaultProxy, clients: Socket[]): Promise<Socket> {
  const socket = connect({ host: '127.0.0.1', port: proxy.port });
  socket.on('error', () => {});
  clients.push(socket);
  await once(socket, 'connect');
  return socket;
}

/** Resolves with the first `length` bytes the socket receives from now on. */
function receive(socket: Socket, length: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      total += chunk.length;
      if (total >= length) {
        cleanup();
        resolve(Buffer.concat(chunks).subarray(0, length));
      }
    };
    const onClose = () => {
      cleanup();
      reject(new Error(`socket closed after ${total} of ${length} bytes`));
    };
    const cleanup = () => {
      socket.off('data', onData);
      socket.off('close', onClose);
    };
    socket.on('data', onData);
    socket.on('close', onClose);
  });
}

async function roundTrip(socket: Socket, text: string): Promise<string> {
  const reply = receive(socket, Buffer.byteLength(text));
  socket.write(text);
  return (await reply).toString();
}

/** The error code the socket ends with (ECONNRESET after a RST), or 'closed' for a FIN. */
function endReason(socket: Socket): Promise<string> {
  return new Promise((resolve) => {
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    socket.once('close', () => resolve('closed'));
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('bytes flow both ways, also more than the socket buffers hold', async () => {
  await withProxy(async (proxy, echo, clients) => {
    const client = await openClient(proxy, clients);
    assert.equal(await roundTrip(client, 'hello encoder'), 'hello encoder');
    const big = Buffer.alloc(4 * 1024 * 1024);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31) % 251;
    const reply = receive(client, big.length);
    client.write(big);
    assert.ok((await reply).equals(big), 'the 4 MiB echo differs from what was sent');
    assert.equal(echo.accepted.length, 1);
    assert.equal(proxy.activeConnections(), 1);
    assert.deepEqual(proxy.events.map((event) => event.kind), ['accept']);
  });
});

test('a closed side closes the other side', async () => {
  await withProxy(async (proxy, echo, clients) => {
    const client = await openClient(proxy, clients);
    assert.equal(await roundTrip(client, 'x'), 'x');
    const serverSide = echo.accepted[0]!;
    const clientClosed = once(client, 'close');
    serverSide.end();
    await clientClosed;
    while (proxy.activeConnections() > 0) await sleep(10);
    assert.deepEqual(proxy.events.map((event) => event.kind), ['accept', 'close']);
  });
});

test('reset: RST on both sides, new connections refused while down, then it works again', async () => {
  await withProxy(async (proxy, echo, clients) => {
    const client = await openClient(proxy, clients);
    assert.equal(await roundTrip(client, 'before the cut'), 'before the cut');
    const clientEnd = endReason(client);
    const serverEnd = endReason(echo.accepted[0]!);
    proxy.reset(1000);
    assert.equal(await clientEnd, 'ECONNRESET');
    assert.equal(await serverEnd, 'ECONNRESET', 'the server side gets a RST too');
    assert.equal(proxy.activeConnections(), 0);
    assert.ok(proxy.isDown());

    // The TCP handshake completes (the kernel accepts), then the proxy resets it at once.
    const during = connect({ host: '127.0.0.1', port: proxy.port });
    clients.push(during);
    const duringEnd = endReason(during);
    during.write('anyone there?');
    assert.equal(await duringEnd, 'ECONNRESET');
    assert.equal(echo.accepted.length, 1, 'nothing reached the server while down');

    while (proxy.isDown()) await sleep(20);
    const after = await openClient(proxy, clients);
    assert.equal(await roundTrip(after, 'after the cut'), 'after the cut');
    assert.equal(echo.accepted.length, 2);
    assert.deepEqual(proxy.events.map((event) => event.kind), [
      'accept',
      'reset',
      'accept',
      'reset',
      'accept',
    ]);
  });
});

test('freeze: nothing comes back during the freeze, all of it after, without FIN or RST', async () => {
  await withProxy(async (proxy, _echo, clients) => {
    const client = await openClient(proxy, clients);
    assert.equal(await roundTrip(client, 'warm up'), 'warm up');
    let ended = '';
    client.once('end', () => ended = 'FIN');
    client.once('error', (error: NodeJS.ErrnoException) => ended = error.code ?? 'error');

    proxy.freeze(1500);
    // More than loopback's kernel buffers hold: the proxy must not read it, so most of it
    // stays queued in the client's own socket until the thaw.
    const bulk = Buffer.alloc(16 * 1024 * 1024, 7);
    const sent = Buffer.concat([Buffer.from('ping-ping'), bulk]);
    let firstByte = '';
    client.once('data', () => {
      firstByte = proxy.events.some((event) => event.kind === 'thaw') ? 'after thaw' : 'frozen';
    });
    const reply = receive(client, sent.length);
    client.write(sent);
    await sleep(1000);
    assert.equal(firstByte, '', 'an echo came through the frozen proxy');
    assert.ok(client.writableLength > 0, 'the proxy kept reading during the freeze');
    assert.ok((await reply).equals(sent), 'the echo after the thaw differs from what was sent');
    assert.equal(firstByte, 'after thaw');
    assert.equal(ended, '', 'the client saw its connection end');
    assert.equal(await roundTrip(client, 'still alive'), 'still alive');
    assert.deepEqual(proxy.events.map((event) => event.kind), ['accept', 'freeze', 'thaw']);
  });
});

test('freeze: a connection opened during it is bridged after the thaw', async () => {
  await withProxy(async (proxy, echo, clients) => {
    proxy.freeze(1200);
    const client = await openClient(proxy, clients);
    const reply = receive(client, 5).then((data) => ({
      text: data.toString(),
      thawed: proxy.events.some((event) => event.kind === 'thaw'),
    }));
    client.write('early');
    await sleep(400);
    assert.equal(echo.accepted.length, 0, 'the proxy connected to the target during the freeze');
    assert.equal(proxy.activeConnections(), 1);
    assert.deepEqual(await reply, { text: 'early', thawed: true });
    assert.equal(echo.accepted.length, 1);
  });
});

test('freeze: a held connection whose client gave up is cleaned up after the thaw', async () => {
  await withProxy(async (proxy, echo, clients) => {
    proxy.freeze(500);
    const client = await openClient(proxy, clients);
    client.destroy(); // a FIN the proxy does not read yet
    await once(client, 'close');
    assert.equal(proxy.activeConnections(), 1, 'a held connection is not read, so not noticed');
    while (!proxy.events.some((event) => event.kind === 'thaw')) await sleep(20);
    while (proxy.activeConnections() > 0) await sleep(20);
    // The late connect to the target happened (like a retransmitted SYN) and was closed.
    assert.equal(echo.accepted.length, 1);
    assert.equal(proxy.events.at(-1)!.kind, 'close');
  });
});

test('close() leaves no open handles: a process using the proxy exits by itself', async () => {
  const proxyModule = new URL('./fault_proxy.ts', import.meta.url).href;
  const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
  // Leaves a bridged connection, a held one and a long freeze timer behind, then closes the
  // proxy. It ends the client sockets and the server only by waiting for the proxy's FINs:
  // a socket or timer the proxy leaked keeps the process alive past the timeout.
  const script = `
    import { once } from 'node:events';
    import { connect, createServer } from 'node:net';
    import { startFaultProxy } from ${JSON.stringify(proxyModule)};
    const echo = createServer((s) => { s.on('error', () => {}); s.pipe(s); });
    await new Promise((resolve) => echo.listen(0, '127.0.0.1', resolve));
    const proxy = await startFaultProxy({ targetHost: '127.0.0.1', targetPort: echo.address().port });
    const open = async () => {
      const socket = connect({ host: '127.0.0.1', port: proxy.port });
      socket.on('error', () => {});
      await once(socket, 'connect');
      return socket;
    };
    const bridged = await open();
    bridged.write('x');
    await once(bridged, 'data');
    proxy.freeze(60000);
    const held = await open();
    await new Promise((resolve) => setTimeout(resolve, 100));
    await proxy.close();
    await Promise.all([once(bridged, 'close'), once(held, 'close')]);
    await new Promise((resolve) => echo.close(resolve));
    console.log('closed cleanly');
  `;
  const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>(
    (resolve) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', '--input-type=module', '-e', script],
        { cwd: repoRoot, timeout: 15_000, killSignal: 'SIGKILL' },
        (error, stdout, stderr) => {
          const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
          resolve({ code, stdout, stderr });
        },
      );
    },
  );
  assert.equal(result.code, 0, `the process did not exit by itself:\n${result.stderr}`);
  assert.equal(result.stdout.trim(), 'closed cleanly');
});

// The baseline of the chat benchmark: a bare `ws` server that sends every text frame it
// receives to every client, nothing else (no identity, checks, storage or ordering). What
// roomcast's chat costs on top of this is the ratio the benchmark reports.
//   node --import tsx bench/support/ws_broadcast_server.ts <port>
import { WebSocketServer } from 'ws';

const port = Number(process.argv[2]);
const server = new WebSocketServer({ host: '127.0.0.1', port });
let seq = 0;
server.on('connection', (socket) => {
  socket.on('message', (data) => {
    // A frame of the same shape and size as roomcast's, so both move the same bytes.
    const frame = JSON.stringify({
      type: 'entry',
      entry: {
        kind: 'message',
        channel: 'room:bench',
        seq: ++seq,
        at: Date.now(),
        author: { id: 'g:AAAAAAAAAAAAAAAA', name: 'guest-abcd', role: 'guest' },
        text: String(data),
      },
    });
    for (const client of server.clients) client.send(frame);
  });
});
server.on('listening', () => console.log(`listening on ${port}`));

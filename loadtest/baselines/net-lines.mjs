// The TCP floor for `make bench`'s memory per connection: a bare Node.js `net` server with a
// line splitter that answers hello and join with one line each and keeps a nick and a room per
// connection. No Redis, no rooms on the wire: only what holding a connection costs.
import { createServer } from 'node:net';

const port = Number(process.env.PORT);
const server = createServer((socket) => {
  const state = { nick: '', room: '', buf: '' };
  socket.on('data', (chunk) => {
    state.buf += chunk.toString('utf8');
    let nl;
    while ((nl = state.buf.indexOf('\n')) >= 0) {
      const f = JSON.parse(state.buf.slice(0, nl));
      state.buf = state.buf.slice(nl + 1);
      if (f.type === 'hello') {
        state.nick = f.nick;
        socket.write(`${JSON.stringify({ type: 'welcome', nick: f.nick })}\n`);
      } else if (f.type === 'join') {
        state.room = f.room;
        socket.write(`${JSON.stringify({ type: 'joined', room: f.room })}\n`);
      }
    }
  });
  socket.on('error', () => undefined);
});
server.listen(port, '127.0.0.1', () => console.log(`net-lines listening on ${port}`));
process.on('SIGTERM', () => process.exit(0));

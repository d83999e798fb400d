// The reference for `make bench`: a plain Socket.IO chat server with the Redis adapter, doing
// what a chatfleet room does on the wire (join, say, everyone in the room gets it) and nothing
// more: no ids, no history, no presence, no limits, at-most-once. Run by loadtest/bench.
import { createServer } from 'node:http';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';

const port = Number(process.env.PORT);
const pub = new Redis(process.env.REDIS_URL, { protocol: 2 });
const sub = pub.duplicate();
const http = createServer();
const io = new Server(http, {
  adapter: createAdapter(pub, sub),
  transports: ['websocket'],
  serveClient: false,
});
io.on('connection', (socket) => {
  socket.on('hello', (nick, ack) => {
    socket.data.nick = nick;
    ack?.('welcome');
  });
  socket.on('join', (room, ack) => {
    socket.join(room);
    ack?.('joined');
  });
  socket.on('say', (m) =>
    io
      .to(m.room)
      .emit('message', { room: m.room, from: socket.data.nick, text: m.text, ts: Date.now() }),
  );
});
http.listen(port, '127.0.0.1', () => console.log(`socket.io listening on ${port}`));
process.on('SIGTERM', () => io.close(() => process.exit(0)));

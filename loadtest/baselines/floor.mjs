// The floor for `make bench`: the least code that does what a chatfleet room does on the wire,
// on uWebSockets.js with Redis Pub/Sub per room. hello, join (subscribe), say (PUBLISH); every
// member of the room, sender included, gets the message. No ids, history, presence, limits or
// delivery guarantees: what is left is the cost of the sockets, Redis and JSON.
import { Buffer } from 'node:buffer';
import { Redis } from 'ioredis';
import uWS from 'uWebSockets.js';

const port = Number(process.env.PORT);
const pub = new Redis(process.env.REDIS_URL, { protocol: 2 });
const sub = new Redis(process.env.REDIS_URL, { protocol: 2 });
const subscribed = new Set();
const app = uWS.App();

// One Redis subscription per room per process; uWS fans out to the room's sockets in C++.
sub.on('messageBuffer', (channel, message) => app.publish(channel.toString(), message, false));

app.ws('/*', {
  maxPayloadLength: 16 * 1024,
  idleTimeout: 0,
  message: (ws, data) => {
    const f = JSON.parse(Buffer.from(data).toString());
    if (f.type === 'hello') {
      ws.getUserData().nick = f.nick;
      ws.send(JSON.stringify({ type: 'welcome', nick: f.nick }));
    } else if (f.type === 'join') {
      ws.subscribe(f.room);
      if (!subscribed.has(f.room)) {
        subscribed.add(f.room);
        void sub.subscribe(f.room);
      }
      ws.send(JSON.stringify({ type: 'joined', room: f.room }));
    } else if (f.type === 'say') {
      const m = { type: 'message', room: f.room, from: ws.getUserData().nick, text: f.text };
      void pub.publish(f.room, JSON.stringify(m));
    }
  },
});
let listen;
app.listen('127.0.0.1', port, (token) => {
  listen = token;
  console.log(`floor listening on ${port}`);
});
process.on('SIGTERM', () => {
  if (listen) uWS.us_listen_socket_close(listen);
  process.exit(0);
});

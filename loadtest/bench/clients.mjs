// One lean client per protocol, all with the same shape, so the generator is the same for every
// contender: connect and say hello, join a room, say something, count what arrives.
// `sink.onDelivery(sentAtMs)` is called for every room message received (the text of each
// message is `t<send time in ms>`); `sink.onNotice(what)` when the server says something went
// wrong (`error`, `resync`, `bye`) or closes the connection (`closed`).
import { createConnection } from 'node:net';
import WebSocket from 'ws';
import { io as sioConnect } from 'socket.io-client';

const STAMP = /"text":"t(\d+)"/g;
const stamps = (s, onDelivery) => {
  for (const m of s.matchAll(STAMP)) onDelivery(Number(m[1]));
};
const NOTICE = /^\{"type":"(error|resync|bye)"/;

/** Counts the server closing on us, not our own close at the end. */
function closeWatch(sink) {
  let ours = false;
  return { ours: () => (ours = true), closed: () => ours || sink.onNotice('closed') };
}

/** Resolves with the first frame that `pick` accepts (a reply we wait for). */
function waiter() {
  const waiting = [];
  return {
    wait(pick, ms = 30_000) {
      return new Promise((resolve, reject) => {
        const w = { pick, resolve };
        waiting.push(w);
        setTimeout(() => {
          const i = waiting.indexOf(w);
          if (i < 0) return;
          waiting.splice(i, 1);
          reject(new Error('no reply in time'));
        }, ms).unref();
      });
    },
    offer(s) {
      for (let i = 0; i < waiting.length; i++)
        if (waiting[i].pick(s)) return waiting.splice(i, 1)[0].resolve(s);
    },
  };
}

/** Calls `fn` with each newline-terminated line a socket delivers. */
export function onLines(socket, fn) {
  let buf = '';
  socket.setEncoding('utf8');
  socket.on('data', (d) => {
    buf += d;
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      fn(line);
    }
  });
}

/** Sends a request frame and waits for the reply `want` picks; an error frame rejects. */
const asker = (write, replies) => async (frame, want) => {
  write(JSON.stringify(frame));
  const reply = await replies.wait((s) => s.startsWith('{"type":"error"') || want(s));
  if (reply.startsWith('{"type":"error"')) throw new Error(`${frame.type}: ${reply}`);
};

/** chatfleet and the floor speak the same JSON frames (the floor only the few a room needs). */
async function jsonWs(url, nick, localAddress, sink) {
  const w = new WebSocket(url, { localAddress, perMessageDeflate: false });
  const replies = waiter();
  const cw = closeWatch(sink);
  w.on('close', cw.closed);
  w.on('message', (d) => {
    const s = d.toString();
    if (s.startsWith('{"type":"message"')) return stamps(s, sink.onDelivery);
    const notice = NOTICE.exec(s);
    if (notice) sink.onNotice(notice[1]);
    replies.offer(s);
  });
  await new Promise((resolve, reject) => w.once('open', resolve).once('error', reject));
  const ask = asker((data) => w.send(data), replies);
  await ask({ type: 'hello', nick }, (s) => s.includes('"welcome"'));
  return {
    join: (room) =>
      ask({ type: 'join', room }, (s) => s.includes('"joined"') && s.includes(`"${room}"`)),
    say: (room, text) => w.send(JSON.stringify({ type: 'say', room, text })),
    close: () => {
      cw.ours();
      w.terminate();
    },
  };
}

/** chatfleet's NDJSON over TCP (and the bare `net` server's few lines). */
async function ndjson(url, nick, localAddress, sink) {
  const { hostname, port } = new URL(url);
  const s = createConnection({ host: hostname, port: Number(port), localAddress });
  const replies = waiter();
  const cw = closeWatch(sink);
  s.on('close', cw.closed);
  onLines(s, (line) => {
    if (line.startsWith('{"type":"message"')) return stamps(line, sink.onDelivery);
    const notice = NOTICE.exec(line);
    if (notice) sink.onNotice(notice[1]);
    replies.offer(line);
  });
  await new Promise((resolve, reject) => s.once('connect', resolve).once('error', reject));
  const ask = asker((data) => s.write(`${data}\n`), replies);
  await ask({ type: 'hello', nick }, (l) => l.includes('"welcome"'));
  return {
    join: (room) =>
      ask({ type: 'join', room }, (l) => l.includes('"joined"') && l.includes(`"${room}"`)),
    say: (room, text) => s.write(`${JSON.stringify({ type: 'say', room, text })}\n`),
    close: () => {
      cw.ours();
      s.destroy();
    },
  };
}

async function socketIo(url, nick, localAddress, sink) {
  const s = sioConnect(url, { transports: ['websocket'], localAddress, reconnection: false });
  const cw = closeWatch(sink);
  s.on('disconnect', cw.closed);
  s.on('message', (m) => sink.onDelivery(Number(String(m.text).slice(1))));
  await new Promise((resolve, reject) => s.once('connect', resolve).once('connect_error', reject));
  await new Promise((resolve) => s.emit('hello', nick, resolve));
  return {
    join: (room) => new Promise((resolve) => s.emit('join', room, resolve)),
    say: (room, text) => s.emit('say', { room, text }),
    close: () => {
      cw.ours();
      s.disconnect();
    },
  };
}

/** Centrifugo's JSON protocol: commands with ids, replies and pushes, newline-separated. */
async function centrifugo(url, _nick, localAddress, sink) {
  const w = new WebSocket(url, { localAddress, perMessageDeflate: false });
  const replies = waiter();
  const cw = closeWatch(sink);
  w.on('close', cw.closed);
  let id = 0;
  w.on('message', (d) => {
    const s = d.toString();
    if (s.includes('"push"')) stamps(s, sink.onDelivery);
    for (const line of s.split('\n')) {
      if (line === '{}') w.send('{}');
      else if (line.startsWith('{"id"')) replies.offer(line);
    }
  });
  await new Promise((resolve, reject) => w.once('open', resolve).once('error', reject));
  const command = async (body) => {
    const n = ++id;
    w.send(JSON.stringify({ id: n, ...body }));
    const reply = await replies.wait((s) => s.startsWith(`{"id":${n},`) || s === `{"id":${n}}`);
    if (reply.includes('"error"')) throw new Error(`centrifugo: ${reply}`);
  };
  await command({ connect: {} });
  return {
    join: (room) => command({ subscribe: { channel: room } }),
    // Publications are acknowledged; the bench does not wait for that, like the others.
    say: (room, text) =>
      w.send(JSON.stringify({ id: ++id, publish: { channel: room, data: { text } } })),
    close: () => {
      cw.ours();
      w.terminate();
    },
  };
}

export const PROTOCOLS = { json: jsonWs, ndjson, socketio: socketIo, centrifugo };

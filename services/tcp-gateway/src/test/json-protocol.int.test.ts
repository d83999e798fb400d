import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type Fleet, type Frame, JsonClient, startFleet, waitUntil } from '@chatfleet/testing';

describe('protocol v1 over NDJSON', () => {
  let fleet: Fleet;
  let port: number;
  before(async () => {
    // Room lists straight from Redis: these tests look right after a join (the cache has its own test).
    fleet = await startFleet({ gateways: 1, env: { ROOM_LIST_CACHE_MS: '0' } });
    port = fleet.gateways[0]!.tcpPort;
  });
  after(() => fleet.stop());

  const hello = (nick?: string, token?: string) => JsonClient.hello(port, nick, token);

  it('delivers what a client said just before it hung up (echo … | nc)', async () => {
    const { c: listener } = await hello('hearer');
    await listener.request({ type: 'join', room: 'hangup' });
    const { c } = await hello('hanger');
    await c.request({ type: 'join', room: 'hangup' });
    const says = Array.from({ length: 5 }, (_, i) =>
      JSON.stringify({ type: 'say', room: 'hangup', text: `last words ${i}` }),
    );
    // Everything in one write, then EOF at once: the gateway has read it all before the close.
    c.socket.end(`${says.join('\n')}\n`);
    for (let i = 0; i < 5; i++)
      await listener.next('message', (f) => f['text'] === `last words ${i}`);
    await listener.next('presence', (f) => f['event'] === 'leave' && f['nick'] === 'hanger');
    listener.close();
  });

  it('names guests, refuses taken nicks case-insensitively and bad nicks', async () => {
    const { c: g, welcome } = await hello();
    assert.match(String(welcome['nick']), /^guest-[0-9a-f]{10}$/);
    assert.ok(String(welcome['token']).length >= 16);
    const { c: a } = await hello('Alice');
    const b = await JsonClient.connect(port);
    assert.deepEqual(await b.request({ type: 'hello', nick: 'alice' }), {
      type: 'error',
      code: 'nick_taken',
      message: 'alice is taken',
      ref: (b.frames.items.at(-1) as Frame)['ref'],
    });
    const bad = await b.request({ type: 'hello', nick: 'no spaces!' });
    assert.equal(bad['code'], 'bad_nick');
    const early = await b.request({ type: 'join', room: 'lobby' });
    assert.equal(early['code'], 'forbidden');
    assert.equal((await b.request({ type: 'ping' }))['type'], 'pong');
    for (const c of [g, a, b]) c.close();
  });

  it('gives back the nick and places of a connection that closes while its hello is in flight', async () => {
    const { c: watcher } = await hello('hasty-watcher');
    await watcher.request({ type: 'join', room: 'hasty-room' });
    for (let i = 0; i < 5; i++) {
      const c = await JsonClient.connect(port);
      c.send({ type: 'hello', nick: `hasty${i}` });
      c.send({ type: 'join', room: 'hasty-room' });
      c.close();
      await c.closed;
      // Nobody holds the nick live any more: a later hello is told it is kept for its token
      // (never "taken"), and the room is left as it was. Release follows the close shortly.
      const again = await JsonClient.connect(port);
      await waitUntil(
        async () => {
          const r = await again.request({ type: 'hello', nick: `hasty${i}` });
          const who = await watcher.request({ type: 'who', room: 'hasty-room' });
          return (
            r['code'] === 'nick_taken' &&
            String(r['message']).includes('kept for') &&
            (who['nicks'] as string[]).join() === 'hasty-watcher'
          );
        },
        3000,
        `round ${i}`,
      );
      again.close();
      await again.closed;
    }
    watcher.close();
  });

  it('lets a token reclaim a nick from a connection still open', async () => {
    const { c: old, welcome } = await hello('Reclaimer');
    const { c: fresh, welcome: w2 } = await hello('reclaimer', String(welcome['token']));
    assert.equal(w2['nick'], 'reclaimer');
    assert.deepEqual(await old.next('bye'), { type: 'bye', reason: 'replaced' });
    await old.closed;
    const { c: other } = await hello('somebody');
    assert.equal(
      (await other.request({ type: 'hello', nick: 'RECLAIMER', token: 'wrong' }))['code'],
      'nick_taken',
    );
    fresh.close();
    other.close();
  });

  it('joins a room with members, presence to others, and leaves', async () => {
    const { c: a } = await hello('ann');
    const { c: b } = await hello('ben');
    const ja = await a.request({ type: 'join', room: 'hall' });
    assert.deepEqual(ja['members'], ['ann']);
    assert.deepEqual(ja['history'], []);
    const jb = await b.request({ type: 'join', room: 'hall' });
    assert.deepEqual(jb['members'], ['ann', 'ben']);
    assert.deepEqual(await a.next('presence'), {
      type: 'presence',
      room: 'hall',
      nick: 'ben',
      event: 'join',
      count: 2,
    });
    assert.deepEqual((await a.request({ type: 'who', room: 'hall' }))['nicks'], ['ann', 'ben']);
    const rooms = (await a.request({ type: 'rooms' }))['rooms'] as { room: string }[];
    assert.deepEqual(
      rooms.find((r) => r.room === 'hall'),
      { room: 'hall', count: 2, locked: false },
    );
    assert.deepEqual(await b.request({ type: 'leave', room: 'hall' }), {
      type: 'left',
      room: 'hall',
      ref: b.frames.items.at(-1)!['ref'],
    });
    assert.deepEqual(await a.next('presence', (f) => f['event'] === 'leave'), {
      type: 'presence',
      room: 'hall',
      nick: 'ben',
      event: 'leave',
      count: 1,
    });
    assert.equal((await b.request({ type: 'leave', room: 'hall' }))['code'], 'not_in_room');
    assert.equal((await b.request({ type: 'join', room: 'Not A Room' }))['code'], 'bad_room');
    a.close();
    b.close();
  });

  it('echoes a message to its sender with ref after it is stored, and never lets the sender be spoofed', async () => {
    const { c: a } = await hello('sayer');
    const { c: b } = await hello('listener');
    await a.request({ type: 'join', room: 'talk' });
    await b.request({ type: 'join', room: 'talk' });
    a.send({ type: 'say', room: 'talk', text: 'hello', ref: 'm1', from: 'hearer', id: 1 });
    const echo = await a.next('message');
    assert.equal(echo['ref'], 'm1');
    assert.equal(echo['from'], 'sayer');
    const got = await b.next('message');
    assert.equal(got['from'], 'sayer');
    assert.equal(got['ref'], undefined);
    assert.equal(got['id'], echo['id']);
    assert.ok(typeof got['ts'] === 'number');
    assert.equal(
      (await b.request({ type: 'say', room: 'elsewhere', text: 'x' }))['code'],
      'not_in_room',
    );
    a.close();
    b.close();
  });

  it('answers join with since with exactly the messages missed, and history pages back', async () => {
    const { c: a } = await hello('writer1');
    await a.request({ type: 'join', room: 'log' });
    const ids: number[] = [];
    for (let i = 0; i < 30; i++) {
      a.send({ type: 'say', room: 'log', text: `m${i}`, ref: `s${i}` });
      ids.push(Number((await a.next('message', (f) => f['ref'] === `s${i}`))['id']));
      if (i % 10 === 9) await new Promise((r) => setTimeout(r, 1100)); // stay under the rate limit
    }
    assert.deepEqual(
      [...ids].sort((x, y) => x - y),
      ids,
    );
    const { c: b } = await hello('reader1');
    const last20 = (await b.request({ type: 'join', room: 'log' }))['history'] as Frame[];
    assert.deepEqual(
      last20.map((m) => m['text']),
      Array.from({ length: 20 }, (_, i) => `m${i + 10}`),
    );
    await b.request({ type: 'leave', room: 'log' });
    const since = (await b.request({ type: 'join', room: 'log', since: ids[24] }))[
      'history'
    ] as Frame[];
    assert.deepEqual(
      since.map((m) => m['id']),
      ids.slice(25),
    );
    const page = (await b.request({ type: 'history', room: 'log', before: ids[10], limit: 5 }))[
      'messages'
    ] as Frame[];
    assert.deepEqual(
      page.map((m) => m['text']),
      ['m5', 'm6', 'm7', 'm8', 'm9'],
    );
    const newest = (await b.request({ type: 'history', room: 'log' }))['messages'] as Frame[];
    assert.equal(newest.length, 30);
    assert.equal(newest.at(-1)!['text'], 'm29');
    a.close();
    b.close();
  });

  it('delivers DMs live, keeps them for offline nicks and hands them out after welcome', async () => {
    const { c: a } = await hello('dmsender');
    const { c: b, welcome } = await hello('dmreader');
    const token = String(welcome['token']);
    a.send({ type: 'dm', to: 'dmreader', text: 'psst', ref: 'd1' });
    const echo = await a.next('dm');
    assert.equal(echo['ref'], 'd1');
    const live = await b.next('dm');
    assert.deepEqual(
      { ...live, id: 0, ts: 0 },
      { type: 'dm', id: 0, from: 'dmsender', to: 'dmreader', text: 'psst', ts: 0 },
    );
    b.close();
    await b.closed;
    await new Promise((r) => setTimeout(r, 200));
    a.send({ type: 'dm', to: 'dmreader', text: 'while you were away' });
    assert.equal(
      (await a.request({ type: 'dm', to: 'nobody-yet', text: 'hello stranger' }))['code'],
      'no_such_nick',
    );
    const { c: b2 } = await hello('dmreader', token);
    const kept = await b2.next('dm');
    assert.equal(kept['text'], 'while you were away');
    const hist = (await b2.request({ type: 'history', with: 'dmsender' }))['messages'] as Frame[];
    assert.deepEqual(
      hist.map((m) => m['text']),
      ['psst', 'while you were away'],
    );
    // Handed out once: a second welcome does not repeat it.
    b2.close();
    await b2.closed;
    const { c: b3 } = await hello('dmreader', token);
    await b3.request({ type: 'ping' });
    assert.equal(b3.frames.items.filter((f) => f.type === 'dm').length, 0);
    assert.equal(
      (await a.request({ type: 'dm', to: 'dmsender', text: 'me' }))['code'],
      'forbidden',
    );
    a.close();
    b3.close();
  });

  it('locks a room with the first joiner password', async () => {
    const { c: a } = await hello('locker');
    const { c: b } = await hello('guesser');
    await a.request({ type: 'join', room: 'vault', password: 's3cret' });
    assert.equal((await b.request({ type: 'join', room: 'vault' }))['code'], 'wrong_password');
    assert.equal(
      (await b.request({ type: 'join', room: 'vault', password: 'nope' }))['code'],
      'wrong_password',
    );
    assert.equal((await b.request({ type: 'who', room: 'vault' }))['code'], 'forbidden');
    const rooms = (await b.request({ type: 'rooms' }))['rooms'] as {
      room: string;
      locked: boolean;
    }[];
    assert.equal(rooms.find((r) => r.room === 'vault')?.locked, true);
    assert.deepEqual(
      (await b.request({ type: 'join', room: 'vault', password: 's3cret' }))['members'],
      ['guesser', 'locker'],
    );
    a.close();
    b.close();
  });

  it('does not let a newcomer lock a room people are already in', async () => {
    const { c: a } = await hello('resident');
    const { c: b } = await hello('squatter');
    await a.request({ type: 'join', room: 'commons' });
    const refused = await b.request({ type: 'join', room: 'commons', password: 'mine' });
    assert.equal(refused['code'], 'forbidden');
    assert.match(String(refused['message']), /first member/);
    // Still open: the resident comes back without a password, and anyone may join.
    await a.request({ type: 'leave', room: 'commons' });
    assert.equal((await a.request({ type: 'join', room: 'commons' }))['type'], 'joined');
    assert.equal((await b.request({ type: 'join', room: 'commons' }))['type'], 'joined');
    a.close();
    b.close();
  });

  it('never lets anyone without the password into a room locked at the same moment', async () => {
    for (let round = 0; round < 5; round++) {
      const room = `race-${round}`;
      const clients = await Promise.all(
        Array.from({ length: 8 }, (_, i) => hello(`racer${round}x${i}`)),
      );
      // Half ask with the password, half without, all at once: the lock and the joins race.
      const replies = await Promise.all(
        clients.map(({ c }, i) =>
          c.request({ type: 'join', room, ...(i % 2 === 0 ? { password: 'pw' } : {}) }),
        ),
      );
      const rooms = (await clients[0]!.c.request({ type: 'rooms' }))['rooms'] as {
        room: string;
        locked: boolean;
      }[];
      const locked = rooms.find((r) => r.room === room)?.locked === true;
      replies.forEach((r, i) => {
        if (r['type'] !== 'joined') return;
        // In a locked room, every member came with the password.
        if (locked) assert.equal(i % 2, 0, `racer${round}x${i} joined a locked room without it`);
      });
      for (const { c } of clients) c.close();
    }
  });

  it('limits wrong passwords per address and per room, saying when to try again', async () => {
    const guarded = await fleet.add('tcp-gateway', {
      PASSWORD_FAILS_PER_ADDRESS: '3',
      PASSWORD_FAILS_PER_ROOM: '5',
      PASSWORD_WINDOW_MS: '60000',
    });
    const from = async (address: string, nick: string) => {
      const c = await JsonClient.connect(guarded.tcpPort, address);
      assert.equal((await c.request({ type: 'hello', nick }))['type'], 'welcome');
      return c;
    };
    const owner = await from('127.0.0.1', 'keyholder');
    await owner.request({ type: 'join', room: 'safe', password: 'open sesame' });
    const join = (c: JsonClient, password: string) =>
      c.request({ type: 'join', room: 'safe', password });
    // One address: three wrong guesses, then even the right password waits for the window.
    const guesser = await from('127.0.0.2', 'guesser1');
    for (const pw of ['a', 'b', 'c'])
      assert.equal((await join(guesser, pw))['code'], 'wrong_password');
    const limited = await join(guesser, 'open sesame');
    assert.equal(limited['code'], 'rate_limited');
    assert.match(String(limited['message']), /try again in (5\d|60) s/);
    // Other addresses: two more wrong guesses fill the room's allowance (5)...
    const second = await from('127.0.0.3', 'guesser2');
    assert.equal((await join(second, 'd'))['code'], 'wrong_password');
    assert.equal((await join(second, 'e'))['code'], 'wrong_password');
    // ...after which an address that already failed waits, while a newcomer with the right
    // password gets in at the first try.
    assert.equal((await join(second, 'f'))['code'], 'rate_limited');
    const friend = await from('127.0.0.4', 'friend');
    assert.equal((await join(friend, 'open sesame'))['type'], 'joined');
    for (const c of [owner, guesser, second, friend]) c.close();
    await guarded.stop();
  });

  it('cuts 1,000 wrong passwords from one address off at the limit, without slowing anyone else', async () => {
    const guarded = await fleet.add('tcp-gateway', { ROOM_LIST_CACHE_MS: '0' });
    const { c: owner } = await JsonClient.hello(guarded.tcpPort, 'vaultowner');
    await owner.request({ type: 'join', room: 'fortknox', password: 'the right one' });
    // Someone else, from another address, keeps measuring round trips meanwhile.
    const bystander = await JsonClient.connect(guarded.tcpPort, '127.0.0.9');
    await bystander.request({ type: 'hello', nick: 'bystander' });
    const rtts: number[] = [];
    let flooding = true;
    const measuring = (async () => {
      while (flooding) {
        const t0 = performance.now();
        await bystander.request({ type: 'ping' });
        rtts.push(performance.now() - t0);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    // 50 connections from one address, 20 guesses each (within the per-connection burst).
    const guessers = await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        const c = await JsonClient.connect(guarded.tcpPort, '127.0.0.8');
        await c.request({ type: 'hello', nick: `dictionary${i}` });
        return c;
      }),
    );
    const replies = await Promise.all(
      guessers.flatMap((c, i) =>
        Array.from({ length: 20 }, (_, k) =>
          c.request({ type: 'join', room: 'fortknox', password: `guess-${i}-${k}` }, 30_000),
        ),
      ),
    );
    flooding = false;
    await measuring;
    const codes = new Map<string, number>();
    for (const r of replies) codes.set(String(r['code']), (codes.get(String(r['code'])) ?? 0) + 1);
    // Exactly the allowance (10 per address) is ever checked; every other guess is refused
    // before any hashing, with the time to wait.
    assert.equal(codes.get('wrong_password'), 10, JSON.stringify([...codes]));
    assert.equal(codes.get('rate_limited'), 990, JSON.stringify([...codes]));
    const sorted = [...rtts].sort((a, b) => a - b);
    const p50 = sorted[Math.floor(sorted.length / 2)] ?? 0;
    const worst = sorted.at(-1) ?? 0;
    console.log(
      `bystander ping during 1,000 guesses: ${rtts.length} pings, p50 ${p50.toFixed(1)} ms, max ${worst.toFixed(1)} ms`,
    );
    // Not a benchmark: only that nobody else was held up behind the guesses.
    assert.ok(worst < 1000, `a bystander waited ${worst} ms`);
    for (const c of [owner, bystander, ...guessers]) c.close();
    await guarded.stop();
  });

  it('lets a user move on to another stranger only once per NEXT_INTERVAL_MS', async () => {
    const slow = await fleet.add('tcp-gateway', { NEXT_INTERVAL_MS: '60000' });
    const at = (nick: string) => JsonClient.hello(slow.tcpPort, nick);
    const [{ c: a }, { c: b }, { c: d }] = await Promise.all([
      at('skipper'),
      at('skippedb'),
      at('skippedd'),
    ]);
    a.send({ type: 'match', tags: ['skip'] });
    b.send({ type: 'match', tags: ['skip'] });
    await a.next('matched');
    await b.next('matched');
    assert.equal((await a.request({ type: 'next' }))['type'], 'waiting');
    d.send({ type: 'match', tags: ['skip'] });
    const second = await a.next('matched', (f) => f['partner'] === 'skippedd');
    const refused = await a.request({ type: 'next' });
    assert.equal(refused['code'], 'rate_limited');
    assert.match(String(refused['message']), /once every 60 s: try again in \d+ s/);
    // match while matched is moving on too; and the match stands.
    assert.equal((await a.request({ type: 'match' }))['code'], 'rate_limited');
    a.send({ type: 'say', room: second['room'], text: 'still here' });
    assert.equal((await d.next('message', (f) => f['text'] === 'still here'))['from'], 'skipper');
    for (const c of [a, b, d]) c.close();
    await slow.stop();
  });

  it('refuses bad frames with a clear error and keeps the connection', async () => {
    const { c } = await hello('badframes');
    const expect = async (raw: string, code: string) => {
      c.line(raw);
      const f = await c.next('error');
      assert.equal(f['code'], code, raw);
      assert.ok(String(f['message']).length > 0);
    };
    await expect('not json', 'bad_frame');
    await expect('[1,2]', 'bad_frame');
    await expect('{"type":"shout"}', 'bad_frame');
    await expect('{"type":42}', 'bad_frame');
    await expect('{"type":"say","room":"x"}', 'bad_frame');
    await expect('{"type":"say","room":"x","text":"bell\\u0007"}', 'bad_frame');
    await expect(JSON.stringify({ type: 'say', room: 'x', text: 'a'.repeat(2001) }), 'too_large');
    await expect('{"type":"join","room":"UPPER"}', 'bad_room');
    await expect('{"type":"dm","to":"bad nick","text":"x"}', 'bad_nick');
    await expect('{"type":"next"}', 'not_matched');
    await expect('{"type":"join","room":"m-abc123"}', 'forbidden');
    assert.deepEqual(await c.request({ type: 'ping', extra: { ignored: true } }), {
      type: 'pong',
      ref: c.frames.items.at(-1)!['ref'],
    });
    c.close();
  });
});

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import {
  type Fleet,
  freePort,
  Inbox,
  JsonClient,
  loseFromHistory,
  REPO_ROOT,
  runAdmin,
  sendSequence,
  startFleet,
  waitUntil,
} from '@chatfleet/testing';

const ESC = String.fromCharCode(27);

/**
 * The client in a real terminal (a pseudo-terminal made by util-linux `script`, 100×40): what a
 * person sees, escape sequences included. Keys are written as typed, without a newline.
 */
function runInTerminal(args: string[]) {
  const client = [join(REPO_ROOT, 'services/terminal-client/dist/main.js'), ...args]
    .map((a) => `'${a}'`)
    .join(' ');
  const proc = spawn(
    'script',
    ['-qfec', `stty cols 100 rows 40; exec '${process.execPath}' ${client}`, '/dev/null'],
    {
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  let screen = '';
  proc.stdout?.on('data', (d: Buffer) => (screen += d.toString()));
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  return {
    proc,
    exited,
    keys: (k: string) => proc.stdin?.write(k),
    /** Everything written to the terminal since the start. */
    screen: () => screen,
    /** Waits until the output so far holds `m`; resolves with all of it. */
    until: async (m: string | RegExp, ms = 8000) => {
      const has = () => (typeof m === 'string' ? screen.includes(m) : m.test(screen));
      await waitUntil(() => Promise.resolve(has()), ms, `output with ${String(m)}`);
      return screen;
    },
  };
}

/** The client as a person runs it, driven through its stdin and stdout. */
function runClient(args: string[]): {
  proc: ChildProcess;
  lines: Inbox<string>;
  type(line: string): void;
  waitLine(m: string | RegExp, ms?: number): Promise<string>;
  exited: Promise<number | null>;
} {
  const proc = spawn(
    process.execPath,
    [join(REPO_ROOT, 'services/terminal-client/dist/main.js'), ...args],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  const lines = new Inbox<string>();
  let buf = '';
  proc.stdout?.on('data', (d: Buffer) => {
    buf += d.toString();
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      lines.push(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
    }
  });
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  return {
    proc,
    lines,
    exited,
    type: (line) => proc.stdin?.write(`${line}\n`),
    waitLine: (m, ms = 8000) =>
      lines.take(
        (l) => (typeof m === 'string' ? l.includes(m) : m.test(l)),
        ms,
        `a line matching ${String(m)}`,
      ),
  };
}

describe('terminal client', () => {
  let fleet: Fleet;
  let fixed: number;
  before(async () => {
    fixed = await freePort();
    fleet = await startFleet({ gateways: 1 });
    await fleet.add('tcp-gateway', { TCP_PORT: String(fixed) });
  });
  after(() => fleet.stop());

  it('talks in rooms and with strangers, rendered like text mode', async () => {
    const c = runClient([`127.0.0.1:${fixed}`, '--nick', 'termuser']);
    await c.waitLine('* welcome to chatfleet, you are termuser — /help for commands');
    await c.waitLine('* looking for a partner…');
    const { c: other } = await JsonClient.hello(fleet.gateways[0]!.tcpPort, 'jsonpeer');
    other.send({ type: 'match' });
    await c.waitLine('* matched with jsonpeer — say hi (/next for someone else)');
    const m = await other.next('matched');
    c.type('hi, json person');
    assert.equal((await other.next('message'))['text'], 'hi, json person');
    other.send({ type: 'say', room: m['room'], text: 'hi, terminal person' });
    await c.waitLine('<jsonpeer> hi, terminal person');
    c.type('/join den');
    await c.waitLine('* joined den (1 here: termuser)');
    await other.request({ type: 'join', room: 'den' });
    await c.waitLine('* jsonpeer joined den (2 here)');
    other.send({ type: 'dm', to: 'termuser', text: 'a secret' });
    await c.waitLine('[dm] <jsonpeer> a secret');
    c.type('/bogus');
    await c.waitLine('! bad_frame: unknown command /bogus');
    c.type('/quit');
    assert.equal(await c.exited, 0);
    other.close();
  });

  it('keeps its stranger through /nick, and after /next sends plain lines to its room', async () => {
    const c = runClient([`127.0.0.1:${fixed}`, '--nick', 'renamer']);
    await c.waitLine('* looking for a partner…');
    const { c: peer } = await JsonClient.hello(fleet.gateways[0]!.tcpPort, 'steadypeer');
    peer.send({ type: 'match' });
    const m = await peer.next('matched', () => true, 8000);
    await c.waitLine('* matched with steadypeer');
    c.type('/nick dora');
    await c.waitLine('* you are now dora');
    assert.deepEqual(await peer.next('renamed'), {
      type: 'renamed',
      room: m['room'],
      old: 'renamer',
      nick: 'dora',
    });
    c.type('still here');
    const said = await peer.next('message', (f) => f['text'] === 'still here');
    assert.equal(said['from'], 'dora');
    assert.ok(!c.lines.items.some((l) => l.includes('ended when the connection dropped')));
    assert.ok(!peer.frames.items.some((f) => f.type === 'partner_left'));
    await peer.request({ type: 'join', room: 'tea' });
    c.type('/join tea');
    await c.waitLine('* plain lines still go to your stranger');
    c.type('/next');
    await c.waitLine('* looking for a partner…');
    await peer.next('partner_left');
    c.type('to the room now');
    const inRoom = await peer.next('message', (f) => f['text'] === 'to the room now');
    assert.equal(inRoom['room'], 'tea');
    assert.ok(!c.lines.items.some((l) => l.startsWith('! not_matched')));
    c.type('/quit');
    assert.equal(await c.exited, 0);
    peer.close();
  });

  it('reconnects after the gateway dies and shows what it missed, once', async () => {
    const c = runClient([`127.0.0.1:${fixed}`, '--nick', 'resilient', '--no-match']);
    await c.waitLine('* welcome to chatfleet, you are resilient');
    c.type('/join keep');
    await c.waitLine('* joined keep');
    const { c: talker } = await JsonClient.hello(fleet.gateways[0]!.tcpPort, 'keeptalker');
    await talker.request({ type: 'join', room: 'keep' });
    talker.send({ type: 'say', room: 'keep', text: 'first' });
    await c.waitLine('[keep] <keeptalker> first');
    const victim = fleet.gateways.find((g) => g.tcpPort === fixed)!;
    await victim.stop('SIGKILL');
    await c.waitLine('* connection lost, reconnecting');
    for (const t of ['missed 1', 'missed 2']) {
      talker.send({ type: 'say', room: 'keep', text: t, ref: t });
      await talker.next('message', (f) => f['ref'] === t);
    }
    await fleet.add('tcp-gateway', { TCP_PORT: String(fixed) });
    await c.waitLine('[keep] <keeptalker> missed 2', 20_000);
    talker.send({ type: 'say', room: 'keep', text: 'live again' });
    await c.waitLine('[keep] <keeptalker> live again');
    const shown = c.lines.items.filter((l) => l.startsWith('[keep]'));
    assert.deepEqual(shown, [
      '[keep] <keeptalker> first',
      '[keep] <keeptalker> missed 1',
      '[keep] <keeptalker> missed 2',
      '[keep] <keeptalker> live again',
    ]);
    c.proc.stdin?.end();
    assert.equal(await c.exited, 0);
    talker.close();
  });
});

describe('terminal client, away longer than the recovery window', () => {
  let fleet: Fleet;
  let fixed: number;
  before(async () => {
    fixed = await freePort();
    fleet = await startFleet({
      gateways: 1,
      matchmaker: false,
      env: { RECENT_MAX: '20', RATE_PER_SEC: '1000', RATE_BURST: '1000' },
    });
    await fleet.add('tcp-gateway', { TCP_PORT: String(fixed) });
  });
  after(() => fleet.stop());

  it('fills the gap from history, each message once, and says what could not be recovered', async () => {
    const c = runClient([`127.0.0.1:${fixed}`, '--nick', 'traveller', '--no-match']);
    await c.waitLine('* welcome to chatfleet, you are traveller');
    c.type('/join far');
    await c.waitLine('* joined far');
    const { c: talker } = await JsonClient.hello(fleet.gateways[0]!.tcpPort, 'fartalker');
    await talker.request({ type: 'join', room: 'far' });
    talker.send({ type: 'say', room: 'far', text: 'hello' });
    await c.waitLine('[far] <fartalker> hello');
    await fleet.gateways.find((g) => g.tcpPort === fixed)!.stop('SIGKILL');
    await c.waitLine('* connection lost, reconnecting');
    const acked = await sendSequence(talker, 'far', { count: 80, perSec: 500, tag: 'far' });
    await loseFromHistory(fleet, 'far', acked, acked.slice(20, 23));
    await fleet.add('tcp-gateway', { TCP_PORT: String(fixed) });
    await c.waitLine('* Some messages in far could not be recovered.', 20_000);
    const shown = c.lines.items.filter((l) => l.startsWith('[far]'));
    const kept = acked.filter((_, i) => i < 20 || i >= 23);
    assert.deepEqual(
      [...shown].sort(),
      ['[far] <fartalker> hello', ...kept.map((m) => `[far] <fartalker> ${m.text}`)].sort(),
    );
    assert.ok(c.lines.items.some((l) => /^\* \d+ earlier messages in far you missed:$/.test(l)));
    c.proc.stdin?.end();
    assert.equal(await c.exited, 0);
    talker.close();
  });
});

describe('terminal client in a real terminal', () => {
  let fleet: Fleet;
  let fixed: number;
  before(async () => {
    fixed = await freePort();
    fleet = await startFleet({ gateways: 0, matchmaker: false });
    await fleet.add('tcp-gateway', { TCP_PORT: String(fixed) });
  });
  after(() => fleet.stop());

  it('shows typing in the prompt, takes a removed message off the screen, and stops when banned', async () => {
    const t = runInTerminal([`127.0.0.1:${fixed}`, '--nick', 'ttyuser', '--no-match']);
    await t.until('you are ttyuser');
    t.keys('/join nook\r');
    await t.until('* joined nook');
    const { c: peer } = await JsonClient.hello(fleet.gateways[0]!.tcpPort, 'ttypeer');
    await peer.request({ type: 'join', room: 'nook' });
    // Typing at the prompt tells the room (once per 2 s); the peer's typing shows in the prompt.
    t.keys('hel');
    assert.deepEqual(await peer.next('typing', () => true, 3000), {
      type: 'typing',
      room: 'nook',
      nick: 'ttyuser',
    });
    peer.send({ type: 'typing', room: 'nook' });
    await t.until('nook (ttypeer is typing…)> hel');
    const bad = await peer.request({ type: 'say', room: 'nook', text: 'words to remove' });
    await t.until('[nook] <ttypeer> words to remove');
    // Their message ends the indicator; the prompt and what was typed are intact.
    await t.until(/words to remove[\s\S]*nook> hel/);
    const before = t.screen().length;
    const run = await runAdmin(fleet, ['remove', 'nook', String(bad['id'])]);
    assert.equal(run.code, 0, run.stderr);
    const after = (await t.until('a message removed by a moderator')).slice(before);
    // Written over the line where it was (cursor up), not printed below it.
    assert.match(after, new RegExp(`${ESC}\\[\\d+A`));
    assert.match(after, /\* \(a message removed by a moderator\)/);
    t.keys('lo\r');
    assert.equal((await peer.next('message', (f) => f['text'] === 'hello'))['from'], 'ttyuser');
    // A ban ends it for good: told why, and no reconnecting.
    assert.equal((await runAdmin(fleet, ['ban', 'ttyuser', '--reason', 'test'])).code, 0);
    await t.until('! banned: you are banned for good: test');
    assert.equal(await t.exited, 0);
    peer.close();
  });
});

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import {
  artifactPath,
  dropFromWindow,
  type Fleet,
  freePort,
  JsonClient,
  launchChromium,
  LineClient,
  loseFromHistory,
  runAdmin,
  sendSequence,
  startFleet,
  startRedisCluster,
  type TestCluster,
  waitUntil,
  WsClient,
} from '@chatfleet/testing';
import { conv, createKeys, fieldsOf, slotOf } from '@chatfleet/store';

/** A page of the client on a ws-gateway, signed in as `nick`; a dialog fails the test. */
async function openPage(browser: Browser, port: number, nick: string, width = 1100) {
  const ctx = await browser.newContext({ viewport: { width, height: 720 } });
  const page = await ctx.newPage();
  page.on('dialog', () => assert.fail('a dialog opened: user text ran as code'));
  await page.goto(`http://127.0.0.1:${port}/`);
  await page.fill('#nick', nick);
  await page.click('#start');
  await page.waitForSelector(`#me:text-is("${nick}")`);
  return page;
}

/** The texts of the messages a page shows, in order. */
const messages = (p: Page) =>
  p.$$eval('#messages li.msg .text', (els) => els.map((e) => e.textContent ?? ''));

describe('the browser client, in Chromium', () => {
  let fleet: Fleet;
  let browser: Browser;
  let fixedPort: number;
  before(async () => {
    fixedPort = await freePort();
    fleet = await startFleet({ gateways: 0, wsGateways: 1 });
    await fleet.add('ws-gateway', { WS_PORT: String(fixedPort) });
    browser = await launchChromium();
  });
  after(async () => {
    await browser.close();
    await fleet.stop();
  });

  const open = (port: number, nick: string, width?: number) => openPage(browser, port, nick, width);

  it('lets two pages chat in a room, with presence and members, rendering text as text', async () => {
    const port = fleet.wsGateways[0]!.wsPort;
    const a = await open(port, 'pagea');
    const b = await open(port, 'pageb', 390);
    await a.fill('#room', 'browsers');
    await a.click('#join');
    await a.waitForSelector('#title:text-is("#browsers")');
    await b.fill('#room', 'browsers');
    await b.click('#join');
    await b.waitForSelector('#title:text-is("#browsers")');
    await a.waitForSelector('text=pageb joined (2 here)');
    const evil = '<img src=x onerror=alert(1)> & <b>bold</b>';
    await a.fill('#text', evil);
    await a.press('#text', 'Enter');
    await b.waitForSelector('#messages li.msg');
    assert.deepEqual(await messages(b), [evil]);
    assert.equal(await b.$('#messages img'), null);
    await b.fill('#text', 'hi from a phone');
    await b.click('#send');
    await a.waitForSelector('text=hi from a phone');
    await a.click('#members-toggle');
    await a.waitForSelector('#members li');
    assert.deepEqual(await a.$$eval('#members li', (els) => els.map((e) => e.textContent)), [
      'pagea (you)',
      'pageb',
    ]);
    await a.screenshot({ path: artifactPath('browser-room-desktop.png') });
    await b.screenshot({ path: artifactPath('browser-room-phone.png') });
    // A direct message, opened by nick from the sidebar, shows up in the other page's chats.
    await a.fill('#dm-nick', 'pageb');
    await a.click('#dm-open');
    await a.waitForSelector('#title:text-is("@pageb")');
    await a.fill('#text', 'just between us');
    await a.press('#text', 'Enter');
    await a.waitForSelector('#messages .text:text-is("just between us")');
    await b.click('#menu');
    await b.click('text=@pagea');
    await b.waitForSelector('#messages .text:text-is("just between us")');
    // Phone width: the menu shows the lobby instead of the conversation.
    await b.click('#menu');
    await b.waitForSelector('#lobby');
    await a.context().close();
    await b.context().close();
  });

  it('says in the DM conversation that DMs were lost when Redis lost them', async () => {
    const port = fleet.wsGateways[0]!.wsPort;
    const a = await open(port, 'lossa');
    const { c: b } = await WsClient.hello(port, 'lossb');
    await a.fill('#dm-nick', 'lossb');
    await a.click('#dm-open');
    await a.waitForSelector('#title:text-is("@lossb")');
    for (const text of ['first', 'second']) {
      await a.fill('#text', text);
      await a.press('#text', 'Enter');
      await b.frames.next('dm', (f) => f['text'] === text, 5000);
    }
    // Redis loses the second DM (as a failover to a replica that lagged would): its window
    // and position go back to the first.
    const admin = await fleet.admin();
    const { keys } = await fleet.store();
    const ident = async (nick: string) => String(await admin.hget(keys.nick(nick), 'ident'));
    const c = conv.dm(await ident('lossa'), await ident('lossb'));
    const [first, second] = b.frames.items.filter((f) => f.type === 'dm');
    await dropFromWindow(admin, keys.window(c), Number(second!['id']));
    await admin.hset(keys.pos(c), { id: String(first!['id']), seq: '1' });
    // Found by the position check (10 s here), told on both sides.
    await a.waitForSelector('text=Some DMs with lossb were lost by the server', {
      timeout: 20_000,
    });
    const told = await b.frames.next('resync', (f) => f['with'] === 'lossa', 20_000);
    assert.equal(told['recovered'], false);
    b.close();
    await a.context().close();
  });

  it('shows who is typing and hides it after 5 s; a removal takes a message off both pages', async () => {
    const port = fleet.wsGateways[0]!.wsPort;
    const a = await open(port, 'typera');
    const b = await open(port, 'typerb');
    for (const p of [a, b]) {
      await p.fill('#room', 'typing-room');
      await p.click('#join');
      await p.waitForSelector('#title:text-is("#typing-room")');
    }
    await a.type('#text', 'hel');
    await b.waitForSelector('#typing:text-is("typera is typing…")');
    assert.equal(await a.textContent('#typing'), '');
    const shownAt = Date.now();
    await b.waitForSelector('#typing:text-is("")', { timeout: 8000 });
    assert.ok(Date.now() - shownAt > 3000, 'shown for about 5 s');
    // The message itself ends the indicator at once.
    await a.type('#text', 'lo');
    await b.waitForSelector('#typing:text-is("typera is typing…")');
    await a.press('#text', 'Enter');
    await b.waitForSelector('text=hello');
    assert.equal(await b.textContent('#typing'), '');
    await a.fill('#text', 'a message to remove');
    await a.press('#text', 'Enter');
    await b.waitForSelector('text=a message to remove');
    const id = await b.getAttribute('#messages li.msg:last-child', 'data-id');
    const run = await runAdmin(fleet, ['remove', 'typing-room', String(id)]);
    assert.equal(run.code, 0, run.stderr);
    for (const p of [a, b])
      await p.waitForSelector('text=a message to remove', { state: 'detached' });
    assert.deepEqual(await messages(b), ['hello']);
    // Reloaded, the page joins again and still does not show it.
    await b.reload();
    await b.waitForSelector('#me:text-is("typerb")');
    await b.fill('#room', 'typing-room');
    await b.click('#join');
    await b.waitForSelector('#title:text-is("#typing-room")');
    await b.waitForSelector('text=hello');
    assert.deepEqual(await messages(b), ['hello']);
    for (const p of [a, b]) await p.context().close();
  });

  it('says Stranger is typing… in a match', async () => {
    const port = fleet.wsGateways[0]!.wsPort;
    const a = await open(port, 'typestra');
    const b = await open(port, 'typestrb');
    await a.click('#find');
    await b.click('#find');
    await a.waitForSelector('#title:text-matches("Stranger: ")');
    await b.waitForSelector('#title:text-matches("Stranger: ")');
    await b.type('#text', 'well…');
    await a.waitForSelector('#typing:text-is("Stranger is typing…")');
    await a.screenshot({ path: artifactPath('browser-stranger-typing.png') });
    await a.click('#next');
    for (const p of [a, b]) await p.context().close();
  });

  it('matches two pages as strangers, then next tells the other', async () => {
    const port = fleet.wsGateways[0]!.wsPort;
    const a = await open(port, 'strangera');
    const b = await open(port, 'strangerb');
    await a.fill('#tags', 'music');
    await a.click('#find');
    await a.waitForSelector('#waiting');
    await b.fill('#tags', 'music film');
    await b.click('#find');
    await a.waitForSelector('#title:text-is("Stranger: strangerb")');
    await b.waitForSelector('#title:text-is("Stranger: strangera")');
    await b.waitForSelector('text=you both like music');
    await a.fill('#text', 'hello stranger');
    await a.press('#text', 'Enter');
    await b.waitForSelector('text=hello stranger');
    await a.click('#next');
    await b.waitForSelector('text=Your stranger left the chat.');
    assert.equal(await b.isDisabled('#text'), true);
    await a.waitForSelector('#waiting');
    await b.screenshot({ path: artifactPath('browser-stranger-left.png') });
    // "Find another" queues b again, and the two are not paired again in a row.
    await b.click('#next');
    await b.waitForSelector('#waiting');
    const c = await open(port, 'strangerc');
    await c.click('#find');
    await c.waitForSelector('#title:text-matches("Stranger: stranger[ab]")');
    await c.context().close();
    await a.context().close();
    await b.context().close();
  });

  it('reports and blocks a stranger with its buttons', async () => {
    const port = fleet.wsGateways[0]!.wsPort;
    const a = await open(port, 'guardian');
    const b = await open(port, 'heckler');
    await a.click('#find');
    await a.waitForSelector('#waiting');
    await b.click('#find');
    await a.waitForSelector('#title:text-is("Stranger: heckler")');
    await b.fill('#text', 'go away <b>loser</b>');
    await b.press('#text', 'Enter');
    await a.waitForSelector('text=go away <b>loser</b>');
    await a.click('#report');
    await a.fill('#report-reason', 'insults');
    await a.click('#report-send');
    await a.waitForSelector('text=Reported heckler.');
    const admin = await fleet.admin();
    const [entry] = await admin.xrange(createKeys(fleet.prefix, 16).reports(), '-', '+');
    const report = fieldsOf(entry?.[1] ?? []);
    const get = (k: string) => report[k];
    assert.equal(get('nick'), 'heckler');
    assert.equal(get('by'), 'guardian');
    assert.equal(get('reason'), 'insults');
    assert.match(get('messages') ?? '', /go away <b>loser<\/b>/);
    await a.click('#block');
    await a.screenshot({ path: artifactPath('browser-block-ask.png') });
    await a.click('#block-confirm');
    await a.waitForSelector('text=You blocked heckler');
    await b.waitForSelector('text=Your stranger left the chat.');
    assert.equal(await a.isDisabled('#text'), true);
    await a.context().close();
    await b.context().close();
  });

  it('follows a stranger who renames: the header shows the new nick, and Block still works', async () => {
    const port = fleet.wsGateways[0]!.wsPort;
    const a = await open(port, 'watcher');
    await a.click('#find');
    await a.waitForSelector('#waiting');
    const { c: b } = await WsClient.hello(port, 'shifty');
    b.send({ type: 'match' });
    const m = await b.next('matched', () => true, 8000);
    await a.waitForSelector('#title:text-is("Stranger: shifty")');
    await b.request({ type: 'hello', nick: 'shifty2' });
    await a.waitForSelector('#title:text-is("Stranger: shifty2")');
    await a.waitForSelector('text=shifty is now shifty2.');
    b.send({ type: 'say', room: m['room'], text: 'new name, same me' });
    await a.waitForSelector('text=new name, same me');
    await a.click('#block');
    await a.waitForSelector('text=Block shifty2?');
    await a.click('#block-confirm');
    await a.waitForSelector('text=You blocked shifty2');
    await b.next('partner_left');
    assert.equal(await a.isDisabled('#text'), true);
    b.close();
    await a.context().close();
  });

  it('shows errors as readable messages', async () => {
    const port = fleet.wsGateways[0]!.wsPort;
    const a = await open(port, 'taken');
    const ctx = await browser.newContext();
    const b = await ctx.newPage();
    await b.goto(`http://127.0.0.1:${port}/`);
    await b.fill('#nick', 'TAKEN');
    await b.click('#start');
    await b.waitForSelector('text=That nick is taken. Try another.');
    await a.fill('#room', 'locked-room');
    await a.fill('#password', 'pw1');
    await a.click('#join');
    await a.waitForSelector('#title:text-is("#locked-room")');
    await b.fill('#nick', 'nottaken');
    await b.click('#start');
    await b.fill('#room', 'locked-room');
    await b.fill('#password', 'wrong');
    await b.click('#join');
    await b.waitForSelector('text=Wrong password for that room.');
    // Renaming from the header: a taken nick is refused readably, a free one is taken.
    await a.click('#me');
    await a.fill('#nick', 'nottaken');
    await a.click('#start');
    await a.waitForSelector('text=That nick is taken. Try another.');
    await a.fill('#nick', 'renamed');
    await a.click('#start');
    await a.waitForSelector('#me:text-is("renamed")');
    await a.fill('#text', 'still here');
    await a.press('#text', 'Enter');
    await a.waitForSelector('#messages .msg.mine .from:text-is("renamed")');
    await a.context().close();
    await ctx.close();
  });

  it('reconnects by itself and resumes each room with nothing missed or doubled', async () => {
    const stable = fleet.wsGateways[0]!.wsPort;
    const flaky = fleet.wsGateways[1]!;
    const a = await open(flaky.wsPort, 'resumer');
    const b = await open(stable, 'talker');
    for (const p of [a, b]) {
      await p.fill('#room', 'resume');
      await p.click('#join');
      await p.waitForSelector('#title:text-is("#resume")');
    }
    await b.fill('#text', 'before');
    await b.press('#text', 'Enter');
    await a.waitForSelector('text=before');
    await flaky.stop('SIGKILL');
    await a.waitForSelector('#status:has-text("offline")');
    for (const t of ['while-1', 'while-2', 'while-3']) {
      await b.fill('#text', t);
      await b.press('#text', 'Enter');
      await b.waitForSelector(`#messages .text:text-is("${t}")`);
    }
    await fleet.add('ws-gateway', { WS_PORT: String(fixedPort) });
    await a.waitForSelector('#messages .text:text-is("while-3")', { timeout: 20_000 });
    await b.fill('#text', 'after');
    await b.press('#text', 'Enter');
    await a.waitForSelector('text=after');
    assert.deepEqual(await messages(a), ['before', 'while-1', 'while-2', 'while-3', 'after']);
    await a.screenshot({ path: artifactPath('browser-resumed.png') });
    await a.context().close();
    await b.context().close();
  });
});

// The recovery contract from the browser's side: a gap longer than the server's window is
// filled from durable history with nothing said, and a real loss is said.
describe('the browser client, away longer than the recovery window', () => {
  let fleet: Fleet;
  let browser: Browser;
  let port: number;
  before(async () => {
    port = await freePort();
    fleet = await startFleet({
      gateways: 1,
      matchmaker: false,
      env: { RECENT_MAX: '20', RATE_PER_SEC: '1000', RATE_BURST: '1000' },
    });
    await fleet.add('ws-gateway', { WS_PORT: String(port) });
    browser = await launchChromium();
  });
  after(async () => {
    await browser.close();
    await fleet.stop();
  });

  const notices = (p: Page) =>
    p.$$eval('#messages li:not(.msg)', (els) => els.map((e) => e.textContent ?? ''));

  /** Kills the page's gateway, has `sender` say `count` messages, and brings the gateway back. */
  async function away(page: Page, sender: JsonClient, tag: string, count: number, lose = 0) {
    await fleet.wsGateways.at(-1)!.stop('SIGKILL');
    await page.waitForSelector('#status:has-text("offline")');
    const acked = await sendSequence(sender, 'gap', { count, perSec: 500, tag });
    assert.equal(acked.length, count);
    // Destroyed in durable history while only the newest 20 are in the window: gone for good.
    await loseFromHistory(fleet, 'gap', acked, acked.slice(10, 10 + lose));
    await fleet.add('ws-gateway', { WS_PORT: String(port) });
    return acked.map((a) => a.text);
  }

  it('fills what it missed from history, then says so when some were destroyed', async () => {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.fill('#nick', 'absent');
    await page.click('#start');
    await page.fill('#room', 'gap');
    await page.click('#join');
    await page.waitForSelector('#title:text-is("#gap")');
    const { c: sender } = await JsonClient.hello(fleet.gateways[0]!.tcpPort, 'busy');
    await sender.frames.request((f) => sender.send(f), { type: 'join', room: 'gap' });
    sender.send({ type: 'say', room: 'gap', text: 'before' });
    await page.waitForSelector('#messages .text:text-is("before")');

    const first = await away(page, sender, 'away', 150);
    await page.waitForSelector(`#messages .text:text-is("${first.at(-1)}")`, { timeout: 20_000 });
    await waitUntil(async () => (await messages(page)).length === 151, 10_000, 'all 151 shown');
    assert.deepEqual(await messages(page), ['before', ...first]);
    assert.deepEqual(
      (await notices(page)).filter((n) => n.includes('could not be recovered')),
      [],
    );

    const second = await away(page, sender, 'lost', 100, 5);
    await page.waitForSelector('text=Some messages in #gap could not be recovered.', {
      timeout: 20_000,
    });
    const kept = second.filter((_, i) => i < 10 || i >= 15);
    await waitUntil(
      async () => (await messages(page)).length === 151 + 95,
      10_000,
      'all kept ones shown',
    );
    assert.deepEqual(await messages(page), ['before', ...first, ...kept]);
    await page.screenshot({ path: artifactPath('browser-gap-lost.png') });
    sender.close();
    await ctx.close();
  });
});

// `make up-cluster` as its users see it: a browser and an nc user on a fleet whose Redis is a
// 3-primary cluster, chatting in a room and matched as strangers, and the room's shard failing
// over under them.
describe('the browser client and nc on a Redis Cluster', () => {
  let cluster: TestCluster;
  let fleet: Fleet;
  let browser: Browser;
  before(async () => {
    cluster = await startRedisCluster();
    fleet = await startFleet({ cluster, gateways: 1, wsGateways: 1, env: { AUTOMATCH: 'false' } });
    browser = await launchChromium();
  });
  after(async () => {
    await browser.close();
    await fleet.stop();
    await cluster.destroy();
  });

  it('chats in a room across a failover of its shard, and matches strangers', async () => {
    const page = await openPage(browser, fleet.wsGateways[0]!.wsPort, 'webby');
    const nc = await LineClient.connect(fleet.gateways[0]!.tcpPort);
    await nc.waitLine('* welcome');
    nc.line('/nick catty');
    await nc.waitLine('* you are now catty');
    nc.line('/join shards');
    await nc.waitLine(/^\* joined shards/);
    await page.fill('#room', 'shards');
    await page.click('#join');
    await page.waitForSelector('#title:text-is("#shards")');
    const say = async (text: string) => {
      await page.fill('#text', text);
      await page.press('#text', 'Enter');
      await nc.waitLine(`[shards] <webby> ${text}`, 15_000);
    };
    await say('before the failover');
    nc.line('from a terminal');
    await page.waitForSelector('#messages .text:text-is("from a terminal")');

    const slot = slotOf(createKeys(fleet.prefix, 128, true).live(conv.room('shards')));
    const primary = await cluster.ownerOf(slot);
    const replica = (await cluster.nodes()).find((n) => n.of === primary.id)!;
    await cluster.failover(replica.port);
    await say('after the failover');
    nc.line('still here');
    await page.waitForSelector('#messages .text:text-is("still here")', { timeout: 15_000 });
    assert.deepEqual(await messages(page), [
      'before the failover',
      'from a terminal',
      'after the failover',
      'still here',
    ]);
    await page.screenshot({ path: artifactPath('browser-cluster.png') });

    // Strangers: the browser's Match and nc's /match meet through the matchmaker on the cluster.
    nc.line('/match');
    await nc.waitLine('* looking for a partner…');
    await page.click('#find');
    await nc.waitLine('* matched with webby — say hi (/next for someone else)', 15_000);
    await page.waitForSelector('#title:text-is("Stranger: catty")');
    nc.line('hello stranger');
    await page.waitForSelector('#messages .text:text-is("hello stranger")');
    nc.close();
    await page.context().close();
  });
});

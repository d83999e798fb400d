import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type Fleet, LineClient, startFleet } from '@chatfleet/testing';

describe('tcp text mode', () => {
  let fleet: Fleet;
  let port: number;
  before(async () => {
    fleet = await startFleet({ gateways: 1 });
    port = fleet.gateways[0]!.tcpPort;
  });
  after(() => fleet.stop());

  async function stranger(): Promise<{ c: LineClient; nick: string }> {
    const c = await LineClient.connect(port);
    const greet = await c.waitLine(
      /^\* welcome to chatfleet, you are (guest-[0-9a-f]{10}) — \/help for commands$/,
    );
    await c.waitLine('* looking for a partner…');
    return { c, nick: /you are (\S+)/.exec(greet)![1]! };
  }

  it('matches two nc users who then chat both ways', async () => {
    const a = await stranger();
    const b = await stranger();
    await a.c.waitLine(`* matched with ${b.nick} — say hi (/next for someone else)`);
    await b.c.waitLine(`* matched with ${a.nick} — say hi (/next for someone else)`);
    a.c.line('hi there');
    await b.c.waitLine(`<${a.nick}> hi there`);
    b.c.line('hello back');
    await a.c.waitLine(`<${b.nick}> hello back`);
    a.c.close();
    b.c.close();
  });

  it('ends the match on /next and tells the partner', async () => {
    const a = await stranger();
    const b = await stranger();
    await a.c.waitLine('* matched with');
    await b.c.waitLine('* matched with');
    a.c.line('/next');
    await b.c.waitLine(`* ${a.nick} left the chat`);
    await a.c.waitLine('* looking for a partner…');
    // The partner is queued again too, and the two are not paired again in a row.
    await b.c.waitLine('* looking for a partner…');
    const c = await stranger();
    const first = await Promise.race([
      a.c.waitLine(`* matched with ${c.nick}`),
      b.c.waitLine(`* matched with ${c.nick}`),
    ]);
    assert.match(first, /matched with/);
    for (const x of [a, b, c]) x.c.close();
  });

  it('tells the partner when the other side disconnects', async () => {
    const a = await stranger();
    const b = await stranger();
    await a.c.waitLine('* matched with');
    await b.c.waitLine('* matched with');
    a.c.close();
    await b.c.waitLine(`* ${a.nick} left the chat`);
    b.c.close();
  });

  it('runs the slash commands, case-insensitively', async () => {
    const { c } = await stranger();
    c.line('/NICK textie');
    await c.waitLine('* you are now textie');
    c.line('/join Lounge');
    await c.waitLine(/^\* joined lounge \(1 here: textie\)$/);
    c.line('/ROOMS');
    await c.waitLine(/^\* rooms: .*lounge \(1\)/);
    c.line('/who');
    await c.waitLine('* in lounge: textie');
    c.line('/history lounge');
    await c.waitLine('* no history for lounge');
    c.line('/help');
    await c.waitLine('* commands:');
    c.line('/ping');
    await c.waitLine(/^PONG$/);
    c.line('PING');
    await c.waitLine(/^PONG$/);
    c.line('/frobnicate');
    await c.waitLine('! bad_frame: unknown command /frobnicate');
    c.line('/leave');
    await c.waitLine('* left lounge');
    c.line('QUIT');
    await c.waitLine('* bye (quit)');
    await c.closed;
  });

  it('sends plain lines to the last joined room when not matched', async () => {
    const quiet = await fleet.add('tcp-gateway', { AUTOMATCH: 'false' });
    const a = await LineClient.connect(quiet.tcpPort);
    await a.waitLine('* welcome');
    a.line('/nick roomy1');
    a.line('plain before any room');
    await a.waitLine('! not_matched: you are not talking to anyone yet');
    a.line('/join plain');
    await a.waitLine('* joined plain');
    const b = await LineClient.connect(quiet.tcpPort);
    await b.waitLine('* welcome');
    b.line('/nick roomy2');
    b.line('/join plain');
    await b.waitLine('* joined plain (2 here: roomy1, roomy2)');
    await a.waitLine('* roomy2 joined plain (2 here)');
    b.line('hello plain room');
    await a.waitLine('[plain] <roomy2> hello plain room');
    // The newest room takes the plain lines; once left, the one joined before it does again.
    b.line('/join other');
    await b.waitLine('* joined other');
    b.line('for the other room');
    b.line('/leave other');
    await b.waitLine('* left other');
    b.line('back in plain');
    await a.waitLine('[plain] <roomy2> back in plain');
    // Lines of one session are handled in order: had it gone to plain, it would be here by now.
    assert.ok(!a.lines.items.some((l) => l.includes('for the other room')));
    assert.ok(
      !a.lines.items.some((l) => l.includes('looking for a partner')),
      'no automatch when AUTOMATCH=false',
    );
    a.close();
    await b.waitLine('* roomy1 left plain (1 here)');
    b.close();
  });

  it('sends a line pasted with /join to the room it joins, and answers in the order asked', async () => {
    const quiet = await fleet.add('tcp-gateway', { AUTOMATCH: 'false' });
    const listener = await LineClient.connect(quiet.tcpPort);
    await listener.waitLine('* welcome');
    listener.line('/nick pastelisten');
    listener.line('/join pasteroom');
    await listener.waitLine('* joined pasteroom');
    const c = await LineClient.connect(quiet.tcpPort);
    await c.waitLine('* welcome');
    // One write: every line is read before the join is done.
    c.write('/nick paster\n/join pasteroom\nhello in one paste\n/nick\n');
    await listener.waitLine('[pasteroom] <paster> hello in one paste');
    const bad = await c.waitLine(/^! bad_nick/);
    const lines = c.lines.items;
    assert.ok(!lines.some((l) => l.includes('not_matched')), lines.join('\n'));
    // The refused /nick was the last line: its answer comes after the others'.
    assert.ok(lines.indexOf(bad) > lines.findIndex((l) => l.startsWith('* joined pasteroom')));
    listener.close();
    c.close();
  });

  it('switches to NDJSON on /json and detects JSON clients by their first byte', async () => {
    const c = await LineClient.connect(port);
    await c.waitLine('* welcome');
    c.line('/json');
    await c.waitLine('* switching to NDJSON frames');
    c.line('{"type":"ping","ref":"x"}');
    assert.deepEqual(JSON.parse(await c.waitLine('"pong"')), { type: 'pong', ref: 'x' });
    c.close();
    const j = await LineClient.connect(port);
    j.line('{"type":"hello","nick":"jsonfirst"}');
    const w = JSON.parse(await j.waitLine('"welcome"')) as { nick: string };
    assert.equal(w.nick, 'jsonfirst');
    assert.ok(!j.lines.items.some((l) => l.startsWith('*')), 'no text greeting in JSON mode');
    j.close();
  });

  // Last: it leaves a ticket waiting, which a later test's stranger could be paired with.
  it('answers commands pasted before the greeting once each: one "you are now" for one /nick', async () => {
    const c = await LineClient.connect(port);
    // One write: every line is read before the connection's own greeting is done.
    c.write('/nick pasty\n/join paste\n');
    await c.waitLine(/^\* joined paste \(1 here: pasty\)$/);
    await c.waitLine('* looking for a partner…');
    await new Promise((r) => setTimeout(r, 200));
    const renamed = c.lines.items.filter((l) => l === '* you are now pasty');
    assert.equal(renamed.length, 1, c.lines.items.join('\n'));
    c.close();
  });
});

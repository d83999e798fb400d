import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseTextLine } from './text-commands.js';
import { renderText, type TextView } from './text-render.js';

const limits = { maxTextChars: 2000 };
const frameOf = (line: string, current?: string) => {
  const r = parseTextLine(line, current, limits);
  return r.kind === 'frame' ? r.frame : r;
};

describe('text-mode commands', () => {
  it('maps each command to its protocol frame', () => {
    assert.deepEqual(frameOf('/nick Zed'), { type: 'hello', nick: 'Zed' });
    assert.deepEqual(frameOf('/nick Zed 0123456789abcdefABCD-_'), {
      type: 'hello',
      nick: 'Zed',
      token: '0123456789abcdefABCD-_',
    });
    assert.deepEqual(frameOf('/JOIN Lobby pw'), { type: 'join', room: 'lobby', password: 'pw' });
    assert.deepEqual(frameOf('/leave', 'lobby'), { type: 'leave', room: 'lobby' });
    assert.deepEqual(frameOf('/msg bob hello  there'), {
      type: 'dm',
      to: 'bob',
      text: 'hello  there',
    });
    assert.deepEqual(frameOf('/match Go rust'), { type: 'match', tags: ['go', 'rust'] });
    assert.deepEqual(frameOf('/history', 'r'), { type: 'history', room: 'r', limit: 50 });
    assert.deepEqual(frameOf('PING'), { type: 'ping' });
    assert.deepEqual(frameOf('quit'), { type: 'quit' });
    assert.deepEqual(frameOf('hello all', 'lobby'), {
      type: 'say',
      room: 'lobby',
      text: 'hello all',
    });
    assert.deepEqual(frameOf('/json'), { kind: 'json' });
    assert.equal((frameOf('hi') as { code: string }).code, 'not_matched');
    assert.equal((frameOf('/wat') as { code: string }).code, 'bad_frame');
    assert.equal((frameOf('/nick bad nick!') as { code: string }).code, 'bad_nick');
    assert.match(
      (frameOf('/nick alice x') as { message: string }).message,
      /TOKEN takes the token/,
    );
  });

  it('never throws on any line', () => {
    fc.assert(
      fc.property(
        fc.string(),
        fc.option(fc.constantFrom('lobby', 'm-abc')),
        (l, cur) => void parseTextLine(l, cur ?? undefined, limits),
      ),
    );
  });
});

describe('text-mode rendering', () => {
  it('renders conversations the way nc users read them', () => {
    const v: TextView = {};
    assert.deepEqual(renderText({ type: 'welcome', nick: 'guest-1234', token: 't' }, v), [
      '* welcome to chatfleet, you are guest-1234 — /help for commands',
      '* to come back as guest-1234 later: /nick guest-1234 t',
    ]);
    assert.deepEqual(
      renderText({ type: 'matched', room: 'm-1', partner: 'guest-9', tags: [] }, v),
      ['* matched with guest-9 — say hi (/next for someone else)'],
    );
    assert.deepEqual(
      renderText({ type: 'message', room: 'm-1', id: 1, from: 'guest-9', text: 'yo', ts: 0 }, v),
      ['<guest-9> yo'],
    );
    assert.deepEqual(
      renderText(
        { type: 'message', room: 'm-1', id: 2, from: 'guest-1234', text: 'mine', ts: 0 },
        v,
      ),
      [],
    );
    assert.deepEqual(
      renderText({ type: 'message', room: 'lobby', id: 3, from: 'bo', text: 'x', ts: 0 }, v),
      ['[lobby] <bo> x'],
    );
    assert.deepEqual(
      renderText({ type: 'dm', id: 4, from: 'bo', to: 'guest-1234', text: 'p', ts: 0 }, v),
      ['[dm] <bo> p'],
    );
    assert.deepEqual(
      renderText({ type: 'members', room: 'm-1', nicks: ['guest-1234', 'guest-9'] }, v),
      ['* in the chat with your stranger: guest-1234, guest-9'],
    );
    assert.deepEqual(renderText({ type: 'history', room: 'm-1', messages: [] }, v), [
      '* no history for the chat with your stranger',
    ]);
    assert.deepEqual(
      renderText({ type: 'joined', room: 'lobby', members: ['guest-1234'], history: [] }, v),
      [
        '* joined lobby (1 here: guest-1234)',
        '* plain lines still go to your stranger; /next or /leave ends that chat, then they go to lobby',
      ],
    );
    assert.deepEqual(renderText({ type: 'renamed', room: 'm-1', old: 'guest-9', nick: 'ada' }, v), [
      '* guest-9 is now ada',
    ]);
    // The goodbye names the stranger as they are now.
    assert.deepEqual(renderText({ type: 'partner_left', room: 'm-1' }, v), ['* ada left the chat']);
    assert.deepEqual(
      renderText({ type: 'joined', room: 'tea', members: ['guest-1234'], history: [] }, v),
      ['* joined tea (1 here: guest-1234)'],
    );
    assert.deepEqual(renderText({ type: 'error', code: 'rate_limited', message: 'slow down' }, v), [
      '! rate_limited: slow down',
    ]);
    assert.deepEqual(renderText({ type: 'pong' }, v), ['PONG']);
  });

  it('stays quiet about typing and removed messages, and says when one is removed', () => {
    const v: TextView = { nick: 'me' };
    assert.deepEqual(renderText({ type: 'typing', room: 'tea', nick: 'bo' }, v), []);
    assert.deepEqual(renderText({ type: 'typing', nick: 'bo' }, v), []);
    const gone = {
      type: 'message',
      room: 'tea',
      id: 5,
      from: '',
      text: '',
      ts: 0,
      seq: 2,
    } as const;
    assert.deepEqual(renderText({ ...gone, removed: true }, v), []);
    assert.deepEqual(
      renderText(
        {
          type: 'joined',
          room: 'tea',
          members: ['me'],
          history: [
            { ...gone, removed: true },
            { ...gone, id: 6, from: 'bo', text: 'kept', seq: 3 },
          ],
        },
        v,
      ),
      ['* joined tea (1 here: me)', '[tea] <bo> kept'],
    );
    assert.deepEqual(renderText({ type: 'removed', room: 'tea', id: 5 }, v), [
      '* a moderator removed a message in tea',
    ]);
    assert.deepEqual(renderText({ type: 'removed', with: 'bo', id: 5 }, v), [
      '* a moderator removed a message of your DMs with bo',
    ]);
    assert.deepEqual(renderText({ type: 'bye', reason: 'kicked', message: 'calm down' }, v), [
      '* bye (kicked: calm down)',
    ]);
  });

  it('says which room or which DMs lost messages', () => {
    const v: TextView = {};
    const lost = { recovered: false, epoch: 'e2', since: 7 } as const;
    assert.deepEqual(renderText({ type: 'resync', room: 'tea', ...lost }, v), [
      '* some messages in tea may be missing: /history tea shows what was kept',
    ]);
    assert.deepEqual(renderText({ type: 'resync', with: 'bo', ...lost }, v), [
      '* some DMs with bo may be missing: the server lost them',
    ]);
  });
});

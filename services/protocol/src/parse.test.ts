import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ERROR_CODES } from './errors.js';
import { parseFrame, parseValue } from './parse.js';

const limits = { maxTextChars: 2000 };

describe('parseFrame', () => {
  it('accepts every client frame type and ignores unknown fields', () => {
    const ok = [
      { type: 'hello' },
      { type: 'hello', nick: 'Bob_1', token: 't' },
      { type: 'join', room: 'lobby', password: 'p', since: 5 },
      { type: 'leave', room: 'lobby' },
      { type: 'say', room: 'lobby', text: 'hi', ref: 'r1', extra: 1 },
      { type: 'dm', to: 'bob', text: 'hi' },
      { type: 'match', tags: ['Go', 'go', 'rust'] },
      { type: 'next' },
      { type: 'rooms' },
      { type: 'who', room: 'lobby' },
      { type: 'history', room: 'lobby', before: 10, limit: 500 },
      { type: 'history', with: 'bob' },
      { type: 'typing', room: 'lobby' },
      { type: 'typing', to: 'bob' },
      { type: 'ping' },
      { type: 'quit' },
    ];
    for (const f of ok)
      assert.equal(parseFrame(JSON.stringify(f), limits).ok, true, JSON.stringify(f));
    const match = parseValue({ type: 'match', tags: ['Go', 'go'] }, limits);
    assert.deepEqual(match, { ok: true, frame: { type: 'match', tags: ['go'] } });
    const hist = parseValue({ type: 'history', room: 'a', limit: 500 }, limits);
    assert.equal(hist.ok && hist.frame.type === 'history' && hist.frame.limit, 100);
  });

  it('names the problem with the right code and keeps the ref', () => {
    const cases: [unknown, string][] = [
      ['nope', 'bad_frame'],
      [{ type: 'fly' }, 'bad_frame'],
      [{ type: 'hello', nick: 'has space' }, 'bad_nick'],
      [{ type: 'hello', nick: 'Guest-1a2b' }, 'bad_nick'], // only the server gives these
      [{ type: 'join', room: 'UP' }, 'bad_room'],
      [{ type: 'say', room: 'a', text: 'x'.repeat(2001) }, 'too_large'],
      [{ type: 'say', room: 'a', text: '   ' }, 'bad_frame'],
      [{ type: 'say', room: 'a', text: 'esc\u001b[2J' }, 'bad_frame'],
      [{ type: 'dm', to: '', text: 'x' }, 'bad_nick'],
      [{ type: 'match', tags: ['a', 'b', 'c', 'd', 'e', 'f'] }, 'bad_frame'],
      [{ type: 'history' }, 'bad_frame'],
      [{ type: 'history', room: 'a', limit: 0 }, 'bad_frame'],
      [{ type: 'join', room: 'a', since: -1 }, 'bad_frame'],
      // Lone surrogates: no character anywhere, and Redis's Lua JSON decoder refuses them.
      [{ type: 'say', room: 'a', text: 'a\ud800b' }, 'bad_frame'],
      [{ type: 'dm', to: 'bob', text: 'x\udc00y' }, 'bad_frame'],
      [{ type: 'report', reason: 'why\ud83d' }, 'bad_frame'],
      [{ type: 'join', room: 'a', password: '\udfff' }, 'bad_frame'],
      [{ type: 'block', nick: 'bob', room: 'm-1' }, 'bad_frame'],
      [{ type: 'typing' }, 'bad_frame'],
      [{ type: 'typing', room: 'a', to: 'bob' }, 'bad_frame'],
      [{ type: 'typing', room: 'UP' }, 'bad_room'],
      [{ type: 'typing', to: 'no one' }, 'bad_nick'],
    ];
    for (const [v, code] of cases) {
      const res = parseValue(typeof v === 'object' ? { ...v, ref: 'R' } : v, limits);
      assert.equal(res.ok, false, JSON.stringify(v));
      if (!res.ok) {
        assert.equal(res.code, code, JSON.stringify(v));
        if (typeof v === 'object') assert.equal(res.ref, 'R');
      }
    }
  });

  it('takes text with characters outside the BMP (a well-formed surrogate pair)', () => {
    const res = parseFrame('{"type":"say","room":"a","text":"hi \\ud83d\\ude00"}', limits);
    assert.deepEqual(res, { ok: true, frame: { type: 'say', room: 'a', text: 'hi 😀' } });
    const bad = parseFrame('{"type":"say","room":"a","text":"hi \\ud83d","ref":"R"}', limits);
    assert.deepEqual(bad, {
      ok: false,
      code: 'bad_frame',
      message: 'text is not well-formed Unicode: it holds a lone surrogate',
      ref: 'R',
    });
  });

  it('never throws on arbitrary JSON and always yields a frame or a known error', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const res = parseFrame(JSON.stringify(v), limits);
        if (!res.ok) assert.ok((ERROR_CODES as readonly string[]).includes(res.code));
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws on arbitrary frame-shaped objects', () => {
    const field = fc.oneof(
      fc.string(),
      fc.integer(),
      fc.constant(null),
      fc.array(fc.string()),
      fc.boolean(),
    );
    const type = fc.constantFrom(
      'hello',
      'join',
      'leave',
      'say',
      'dm',
      'match',
      'next',
      'rooms',
      'who',
      'history',
      'ping',
      'quit',
      'x',
    );
    fc.assert(
      fc.property(
        type,
        fc.dictionary(
          fc.constantFrom(
            'nick',
            'token',
            'room',
            'text',
            'to',
            'tags',
            'since',
            'before',
            'limit',
            'with',
            'password',
            'ref',
          ),
          field,
        ),
        (t, rest) => {
          const res = parseValue({ ...rest, type: t }, limits);
          assert.ok(res.ok || (ERROR_CODES as readonly string[]).includes(res.code));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('never throws on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => void parseFrame(s, limits)),
      { numRuns: 2000 },
    );
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LineSplitter, decodeUtf8 } from './line-splitter.js';

function feed(chunks: Buffer[], max: number): (string | null)[] {
  const s = new LineSplitter(max);
  const out: (string | null)[] = [];
  for (const c of chunks)
    for (const ev of s.push(c))
      out.push(ev.kind === 'line' ? Buffer.from(ev.line).toString('latin1') : null);
  return out;
}

describe('LineSplitter', () => {
  it('splits on \\n and \\r\\n, across chunks', () => {
    assert.deepEqual(feed([Buffer.from('a\r\nb'), Buffer.from('c\nd')], 100), ['a', 'bc']);
  });

  it('drops an overlong line up to its newline and reports it once', () => {
    assert.deepEqual(
      feed([Buffer.from('x'.repeat(5)), Buffer.from('y'.repeat(5)), Buffer.from('z\nok\n')], 8),
      [null, 'ok'],
    );
  });

  it('takes a line of exactly the limit, with \\n or \\r\\n, and not one byte more', () => {
    const at = 'x'.repeat(8);
    const over = 'y'.repeat(9);
    assert.deepEqual(feed([Buffer.from(`${at}\n${at}\r\n${over}\n${over}\r\nok\n`)], 8), [
      at,
      at,
      null,
      null,
      'ok',
    ]);
    // Split anywhere, the same.
    assert.deepEqual(feed([Buffer.from(over), Buffer.from('\r'), Buffer.from('\nok\n')], 8), [
      null,
      'ok',
    ]);
  });

  it('gives the same lines however the bytes are chunked, and never holds more than the limit', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 400 }),
        fc.array(fc.integer({ min: 1, max: 50 }), { maxLength: 30 }),
        (bytes, cuts) => {
          const buf = Buffer.from(bytes);
          const max = 16;
          const whole = feed([buf], max);
          const chunks: Buffer[] = [];
          let at = 0;
          for (const n of cuts) {
            chunks.push(buf.subarray(at, at + n));
            at += n;
          }
          chunks.push(buf.subarray(at));
          const s = new LineSplitter(max);
          const pieces: (string | null)[] = [];
          for (const c of chunks) {
            for (const ev of s.push(c))
              pieces.push(ev.kind === 'line' ? Buffer.from(ev.line).toString('latin1') : null);
            assert.ok(s.pending <= max + 1);
          }
          assert.deepEqual(pieces, whole);
          for (const l of whole) if (l !== null) assert.ok(Buffer.byteLength(l, 'latin1') <= max);
        },
      ),
    );
  });

  it('decodes strict UTF-8 only', () => {
    assert.equal(decodeUtf8(Buffer.from('héllo')), 'héllo');
    assert.equal(decodeUtf8(Buffer.from([0xc3, 0x28])), undefined);
    fc.assert(fc.property(fc.uint8Array(), (b) => void decodeUtf8(Buffer.from(b))));
  });
});

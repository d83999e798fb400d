// Plain Uint8Array, not Node's Buffer: the protocol package runs in browsers too.
export type LineEvent = { kind: 'line'; line: Uint8Array } | { kind: 'too_long' };

/**
 * Splits a byte stream into lines (`\n` or `\r\n`) with a hard cap. A line past the cap is
 * discarded up to its newline and reported once: input is never buffered without bound.
 */
export class LineSplitter {
  private parts: Uint8Array[] = [];
  private size = 0;
  private discarding = false;

  constructor(private readonly maxBytes: number) {}

  push(chunk: Uint8Array): LineEvent[] {
    const out: LineEvent[] = [];
    let start = 0;
    while (start <= chunk.length) {
      const nl = chunk.indexOf(0x0a, start);
      const end = nl === -1 ? chunk.length : nl;
      if (!this.discarding) {
        const piece = chunk.subarray(start, end);
        // One byte over the cap may be the \r of a \r\n: the finished line is checked again.
        if (this.size + piece.length > this.maxBytes + 1) {
          this.parts = [];
          this.size = 0;
          this.discarding = true;
          out.push({ kind: 'too_long' });
        } else if (piece.length > 0) {
          this.parts.push(piece);
          this.size += piece.length;
        }
      }
      if (nl === -1) break;
      if (!this.discarding) {
        // One part is a view of the caller's chunk: copied. Joined parts are already ours.
        const one = this.parts.length === 1;
        let line = one ? (this.parts[0] as Uint8Array) : this.joined();
        if (line.length > 0 && line[line.length - 1] === 0x0d)
          line = line.subarray(0, line.length - 1);
        out.push(
          line.length > this.maxBytes
            ? { kind: 'too_long' }
            : { kind: 'line', line: one ? new Uint8Array(line) : line },
        );
      }
      this.parts = [];
      this.size = 0;
      this.discarding = false;
      start = nl + 1;
    }
    return out;
  }

  private joined(): Uint8Array {
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }

  /** Bytes held for an unfinished line. */
  get pending(): number {
    return this.size;
  }
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/** Strict UTF-8 decoding: undefined for invalid input. */
export function decodeUtf8(buf: Uint8Array): string | undefined {
  try {
    return decoder.decode(buf);
  } catch {
    return undefined;
  }
}

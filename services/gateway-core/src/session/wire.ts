import { Buffer } from 'node:buffer';

/**
 * A frame serialized once for every receiver on a gateway: its JSON, and the UTF-8 bytes of it
 * (WebSocket) or of it and a newline (NDJSON), each made on first use. Converting one string
 * per member was a measurable share of a gateway's fan-out.
 */
export class Wire {
  private utf8: Buffer | undefined;
  private ndjson: Buffer | undefined;

  constructor(readonly json: string) {}

  get bytes(): Buffer {
    return (this.utf8 ??= Buffer.from(this.json));
  }

  get line(): Buffer {
    return (this.ndjson ??= Buffer.from(`${this.json}\n`));
  }
}

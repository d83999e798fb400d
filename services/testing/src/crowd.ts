import { connect, type Socket } from 'node:net';

export interface CrowdMember {
  /** NDJSON frames sent right after connecting (a hello first). */
  frames: Record<string, unknown>[];
  /** The reply types to wait for, in any order, before the member counts as settled. */
  until: string[];
}

export interface Crowd {
  sockets: Socket[];
  /** Lines seen by one member, of one type. */
  seen(i: number, type: string): number;
  close(): void;
}

/**
 * Opens `n` NDJSON connections (thousands: spread over 127.0.0.2… source addresses, `batch` at
 * a time) and waits until each got the replies it waits for. Lines are only scanned for their
 * type, so ten thousand members cost little memory in the test process.
 */
export async function openCrowd(
  port: number,
  n: number,
  member: (i: number) => CrowdMember,
  o: { batch?: number; timeoutMs?: number; addresses?: number } = {},
): Promise<Crowd> {
  const batch = o.batch ?? 200;
  const addresses = o.addresses ?? 4;
  const sockets: Socket[] = [];
  const counts: Map<string, number>[] = [];
  const deadline = Date.now() + (o.timeoutMs ?? 60_000);
  const open = (i: number) =>
    new Promise<void>((resolve, reject) => {
      const m = member(i);
      const seen = new Map<string, number>();
      counts[i] = seen;
      const want = new Map<string, number>();
      for (const t of m.until) want.set(t, (want.get(t) ?? 0) + 1);
      const s = connect({
        port,
        host: '127.0.0.1',
        localAddress: `127.0.0.${2 + (i % addresses)}`,
      });
      sockets[i] = s;
      let buf = '';
      const settled = () => [...want].every(([t, k]) => (seen.get(t) ?? 0) >= k);
      s.setEncoding('utf8');
      s.on('data', (d: string) => {
        buf += d;
        let nl;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          const t = /^\{"type":"([a-z_]+)"/.exec(line)?.[1];
          if (t) seen.set(t, (seen.get(t) ?? 0) + 1);
          if (t === 'error') reject(new Error(`member ${i}: ${line}`));
        }
        if (settled()) resolve();
      });
      s.on('error', reject);
      s.on('connect', () => s.write(m.frames.map((f) => `${JSON.stringify(f)}\n`).join('')));
    });
  for (let i = 0; i < n; i += batch) {
    if (Date.now() > deadline) throw new Error(`crowd: only ${i} of ${n} settled in time`);
    await Promise.all(Array.from({ length: Math.min(batch, n - i) }, (_, k) => open(i + k)));
  }
  return {
    sockets,
    seen: (i, type) => counts[i]?.get(type) ?? 0,
    close: () => {
      for (const s of sockets) s.destroy();
    },
  };
}

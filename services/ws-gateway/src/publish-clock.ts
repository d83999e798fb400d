import { setImmediate } from 'node:timers';

/**
 * What uWS has not written yet. A topic publish to several sockets is written at the end of the
 * tick, in uWS's check handler (which runs before setImmediate callbacks); a socket that leaves
 * the topic before then loses it, unless a frame sent on that socket since flushed it first.
 */
export class PublishClock {
  private count = 0;
  /** `count` as of the last tick's end: everything up to it is written. */
  private written = 0;
  private queued = false;

  /** A publish (to a topic, or to a topic past one socket) went to uWS. */
  published(): void {
    this.count++;
    if (this.queued) return;
    this.queued = true;
    setImmediate(() => {
      this.written = this.count;
      this.queued = false;
    });
  }

  /** A mark to keep at each send on a socket. */
  now(): number {
    return this.count;
  }

  /** Something published since `sentAt` (a socket's last send) may not be written to it yet. */
  unwrittenSince(sentAt: number): boolean {
    return Math.max(sentAt, this.written) < this.count;
  }
}

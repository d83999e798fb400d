import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '@chatfleet/runtime';
import { UnavailableError } from '@chatfleet/protocol';
import type { CatchUp, ConversationBroker, LiveEnvelope, Seen } from '@chatfleet/store';
import type { GatewayMetrics } from '../metrics/gateway-metrics.js';
import { nextExpected, type ConvSub } from './conv-sub.js';

// Past this many held-back events a conversation drops them and reads the window once more.
const HELD_MAX = 5000;
const RECOVERY_CONCURRENCY = 32;

export interface SubscriptionsOptions {
  broker: ConversationBroker;
  log: Logger;
  metrics: GatewayMetrics;
  /** How long a join waits for its conversation's subscription before `unavailable`. */
  joinWaitMs: number;
  /** Hands one event, in conversation order, to the sessions listening to it (`c.sids`). */
  dispatch(c: ConvSub, env: LiveEnvelope): void;
}

/**
 * This gateway's conversation subscriptions. Pub/Sub is at-most-once, so each conversation
 * tracks the last position it dispatched; whenever it cannot be sure it heard everything (its
 * subscription dropped, a seq jumped, the epoch changed) it holds live events back,
 * reads the recovery window from that position once for the whole gateway, dispatches what it
 * missed in order, says `gap` if the window no longer reaches back, and goes live again.
 */
export class Subscriptions {
  private readonly convs = new Map<string, ConvSub>();
  private up = false;
  private downSince: number | undefined = Date.now();

  constructor(private readonly o: SubscriptionsOptions) {}

  /** Listens to the broker; resolves once it is subscribed (or gave up waiting). */
  async start(): Promise<void> {
    const { broker } = this.o;
    broker.listen({
      message: (conv, env) => this.onMessage(conv, env),
      down: (convs) => this.onDown(convs),
      up: (convs) => void this.onUp(convs),
    });
    if (broker.connected()) await this.onUp(undefined);
  }

  /** How long the subscriber has been unusable (0 while it is subscribed). */
  downForMs(): number {
    return this.downSince === undefined ? 0 : Date.now() - this.downSince;
  }

  /** The last message id dispatched in a conversation this gateway listens to. */
  dispatchedId(conv: string): number | undefined {
    return this.convs.get(conv)?.id;
  }

  /** The last message dispatched in a conversation, with its epoch, if there was one. */
  seen(conv: string): Seen | undefined {
    const c = this.convs.get(conv);
    return c?.known && c.id > 0 ? { epoch: c.idEpoch, id: c.id } : undefined;
  }

  /**
   * Compares every live conversation's position with what this gateway dispatched. Pub/Sub may
   * lose a message that nothing follows (and Redis may lose messages a failover did not carry
   * over): no later seq then shows the hole. A conversation out of step is caught up, which
   * delivers what was missed or tells the clients it is gone.
   */
  async checkPositions(): Promise<void> {
    if (!this.up) return;
    const live = [...this.convs.values()].filter((c) => c.state === 'live' && c.known);
    if (live.length === 0) return;
    // What each had dispatched before the read: messages dispatched while it is in flight are
    // newer than the positions it returns, and must not make the store look behind.
    const before = live.map((c) => ({ gen: c.gen, epoch: c.epoch, seq: c.seq }));
    const pos = await this.o.broker.positions(live.map((c) => c.conv));
    live.forEach((c, i) => {
      const p = pos[i];
      const had = before[i];
      if (!p || !had || !this.current(c, had.gen) || c.state !== 'live') return;
      const gen = had.gen;
      // In step, or nothing was ever said (a join made the epoch after we subscribed).
      if ((p.epoch === c.epoch && p.seq === c.seq) || (p.seq === 0 && c.seq === 0)) {
        c.owed = undefined;
        return;
      }
      const behind = p.epoch === had.epoch && p.seq < had.seq;
      // Ahead, or in another epoch: a message may be on its way right now. Only what the store
      // had a whole period ago and this gateway still has not dispatched was lost.
      const { owed } = c;
      const stillOwed = owed !== undefined && (c.id < owed.id || c.epoch !== owed.epoch);
      if (!behind && !stillOwed) {
        c.owed = { epoch: p.epoch, id: p.id };
        return;
      }
      c.owed = undefined;
      this.o.metrics.positionsOutOfStep.inc();
      this.o.log.info({ conv: c.conv, have: c.seq, store: p.seq }, 'position out of step');
      c.state = 'recovering';
      void this.recover(c, gen);
    });
  }

  /** Adds a listener; resolves when the conversation is live, or throws `unavailable`. */
  async add(conv: string, room: string, sid: string): Promise<void> {
    let c = this.convs.get(conv);
    if (!c) {
      c = this.create(conv, room);
      void this.establish(c);
    }
    c.sids.add(sid);
    if (c.state === 'live') return;
    const live = await this.whenLive(c, this.o.joinWaitMs);
    if (!live) {
      this.remove(conv, sid);
      throw new UnavailableError(new Error('subscription not confirmed in time'));
    }
  }

  remove(conv: string, sid: string): void {
    const c = this.convs.get(conv);
    if (!c?.sids.delete(sid) || c.sids.size > 0) return;
    this.convs.delete(conv);
    for (const w of c.waiters.splice(0)) w(false);
    this.o.metrics.subscriptions.set(this.convs.size);
    this.o.broker.unsubscribe(conv);
  }

  private create(conv: string, room: string): ConvSub {
    const c: ConvSub = {
      conv,
      room,
      sids: new Set(),
      state: 'subscribing',
      gen: 0,
      known: false,
      epoch: '',
      seq: 0,
      id: 0,
      idEpoch: '',
      held: [],
      stale: false,
      recovering: undefined,
      waiters: [],
    };
    this.convs.set(conv, c);
    this.o.metrics.subscriptions.set(this.convs.size);
    return c;
  }

  private whenLive(c: ConvSub, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        const i = c.waiters.indexOf(done);
        if (i >= 0) c.waiters.splice(i, 1);
        resolve(false);
      }, timeoutMs);
      const done = (ok: boolean) => {
        clearTimeout(t);
        resolve(ok);
      };
      c.waiters.push(done);
    });
  }

  private current(c: ConvSub, gen: number): boolean {
    return gen === c.gen && this.convs.get(c.conv) === c;
  }

  /**
   * First subscription of a conversation: subscribe, then learn its position. If that fails,
   * the broker still holds it and says `up` once it could subscribe it after all.
   */
  private async establish(c: ConvSub): Promise<void> {
    const gen = c.gen;
    try {
      await this.o.broker.subscribe([c.conv]);
    } catch {
      return;
    }
    if (this.current(c, gen)) await this.recover(c, gen);
  }

  /** Subscriptions dropped: those conversations hold live events back until caught up. */
  private onDown(convs: string[] | undefined): void {
    if (convs === undefined) {
      if (this.up) this.o.log.warn({ convs: this.convs.size }, 'subscriber lost, holding back');
      this.up = false;
      this.downSince ??= Date.now();
      this.o.metrics.subscriberUp.set(0);
    } else {
      this.o.log.warn({ convs: convs.length }, 'subscriptions moved, holding back');
    }
    for (const c of this.affected(convs)) {
      c.gen++;
      if (c.state === 'live') c.state = 'recovering';
    }
  }

  private affected(convs: string[] | undefined): ConvSub[] {
    if (convs === undefined) return [...this.convs.values()];
    return convs.flatMap((conv) => this.convs.get(conv) ?? []);
  }

  /** Subscribed again and confirmed by the broker: catch each conversation up. */
  private async onUp(convs: string[] | undefined): Promise<void> {
    const list = this.affected(convs);
    if (convs === undefined) {
      this.up = true;
      this.downSince = undefined;
      this.o.metrics.subscriberUp.set(1);
    }
    if (list.length === 0) return;
    this.o.metrics.resubscribes.inc();
    this.o.log.info({ convs: list.length }, 'subscriptions back, catching up');
    const work = list.map((c) => [c, c.gen] as const);
    let next = 0;
    const worker = async () => {
      while (next < work.length) {
        const [c, gen] = work[next++] ?? [];
        if (c && gen !== undefined && this.current(c, gen)) await this.recover(c, gen);
      }
    };
    await Promise.all(Array.from({ length: RECOVERY_CONCURRENCY }, worker));
  }

  private onMessage(conv: string, env: LiveEnvelope | undefined): void {
    const c = this.convs.get(conv);
    if (!c) return;
    if (!env) return this.o.log.warn({ conv }, 'bad live envelope');
    if (c.state !== 'live') return this.hold(c, env);
    if (env.k !== 'm') return this.o.dispatch(c, env);
    const seq = env.m.seq;
    if (seq === undefined) return this.deliver(c, env); // stamped before seq existed
    const epoch = env.e ?? '';
    // Already dispatched (a catch-up had it).
    if (epoch === c.epoch && seq <= c.seq && env.m.id <= c.id) return;
    if ((epoch === c.epoch && seq === c.seq + 1) || (c.epoch === '' && c.seq === 0 && seq === 1)) {
      c.epoch = epoch;
      return this.deliver(c, env);
    }
    // A hole, a new epoch, or a seq given twice (Redis lost messages we dispatched, and nobody
    // started a new epoch yet): we cannot know what we missed without reading the window.
    this.o.log.info({ conv: c.conv, epoch, seq, have: c.seq }, 'gap in live stream');
    c.state = 'recovering';
    this.hold(c, env);
    void this.recover(c, c.gen);
  }

  private hold(c: ConvSub, env: LiveEnvelope): void {
    if (c.held.length >= HELD_MAX) {
      // Everything held is in the window too; reading it again after this is enough.
      c.held = [];
      c.stale = true;
    }
    c.held.push(env);
  }

  private deliver(c: ConvSub, env: Extract<LiveEnvelope, { k: 'm' }>): void {
    if (env.m.id <= c.id) return;
    c.id = env.m.id;
    c.idEpoch = env.e ?? c.epoch;
    if (env.m.seq !== undefined) c.seq = env.m.seq;
    this.o.dispatch(c, env);
  }

  /**
   * Reads the position and what came after the last dispatched message, in one step, then
   * dispatches it and whatever was held back meanwhile, in order, and goes live.
   */
  private async recover(c: ConvSub, gen: number): Promise<void> {
    if (c.recovering) {
      // A read of an older generation is in flight: it gives up, and this one runs after it.
      if (gen !== c.recovering.gen) c.recovering.again = true;
      return;
    }
    const run = { gen, again: false };
    c.recovering = run;
    try {
      do {
        c.stale = false;
        const got = await this.readWithRetry(c, gen);
        if (!got) return;
        if (!c.known) {
          // A fresh subscription: nothing was dispatched yet, so nothing can be missing.
          c.known = true;
          c.epoch = got.pos.epoch;
          c.seq = got.pos.seq;
          c.id = got.pos.id;
          c.idEpoch = got.pos.epoch;
          continue;
        }
        const { pos, messages } = got;
        const next = nextExpected(c, pos.epoch);
        const recovered =
          next !== undefined &&
          (messages.length > 0 ? messages[0]?.seq === next : pos.seq === next - 1);
        this.o.metrics.recoveries.inc({ recovered: String(recovered) });
        if (!recovered) {
          this.o.log.warn({ conv: c.conv, have: c.seq, epoch: pos.epoch }, 'messages lost');
          this.o.dispatch(c, { k: 'gap', sid: '', room: c.room, epoch: pos.epoch });
        }
        c.epoch = pos.epoch;
        c.seq = 0;
        for (const m of messages) this.deliver(c, { k: 'm', sid: '', e: pos.epoch, m });
        // The position read with the window: after a new epoch, messages stamped in the old one
        // may follow the last one dispatched, and their seq says nothing of the new epoch's.
        c.seq = pos.seq;
      } while (c.stale && this.current(c, gen));
      if (!this.current(c, gen)) return;
      const held = c.held;
      c.held = [];
      c.state = 'live';
      for (const env of held) {
        if (env.k === 'm') this.deliver(c, env);
        else this.o.dispatch(c, env);
      }
      for (const w of c.waiters.splice(0)) w(true);
    } finally {
      c.recovering = undefined;
      if (run.again && this.convs.get(c.conv) === c) void this.recover(c, c.gen);
    }
  }

  private async readWithRetry(c: ConvSub, gen: number): Promise<CatchUp | undefined> {
    for (let attempt = 0; this.current(c, gen); attempt++) {
      try {
        if (!c.known) {
          return { pos: await this.o.broker.position(c.conv), messages: [] };
        }
        this.o.metrics.catchUps.inc();
        return await this.o.broker.catchUp(c.conv, { epoch: c.idEpoch, id: c.id });
      } catch (err) {
        this.o.log.debug({ conv: c.conv, err: String(err) }, 'catch-up read failed, retrying');
        await sleep(Math.min(100 * 2 ** attempt, 2000));
      }
    }
    return undefined;
  }
}

import { ProtocolError } from '@chatfleet/protocol';
import {
  addBan,
  appendAudit,
  type Ban,
  nickHolder,
  pruneBans,
  removeBan,
  tellGateways,
} from '@chatfleet/store';
import type { BanTarget } from '../args.js';
import type { AdminContext } from '../context.js';
import { banLine, type Output } from '../format.js';

async function resolve(
  a: AdminContext,
  t: BanTarget,
): Promise<{ kind: Ban['kind']; value: string; nick?: string }> {
  if (t.kind === 'address') return { kind: 'address', value: t.address };
  if (t.kind === 'ident') return { kind: 'ident', value: t.ident };
  return { kind: 'ident', value: (await nickHolder(a.store, t.nick)).ident, nick: t.nick };
}

/**
 * Stores the ban, then tells every gateway (they end the connections it covers within a
 * second), then audits it. Run again after a failure, it does the same and no more.
 */
export async function ban(
  a: AdminContext,
  t: BanTarget,
  forMs: number,
  reason: string,
): Promise<Output> {
  const target = await resolve(a, t);
  const at = a.store.clock.now();
  const b: Ban = { ...target, reason, by: a.by, at, until: forMs === 0 ? 0 : at + forMs };
  const fresh = await addBan(a.store, b);
  const gateways = await tellGateways(a.store, { k: 'bans' });
  await appendAudit(a.store, {
    by: a.by,
    action: 'ban',
    target: `${b.kind}:${b.value}`,
    reason,
    detail: { until: b.until, ...(b.nick ? { nick: b.nick } : {}) },
  });
  return {
    lines: [`${fresh ? 'banned' : 'ban replaced'}: ${banLine(b)} (told ${gateways} gateway(s))`],
    data: { ban: b, replaced: !fresh, gateways },
  };
}

export async function unban(a: AdminContext, t: BanTarget): Promise<Output> {
  const target = await resolve(a, t);
  const lifted = await removeBan(a.store, target.kind, target.value);
  if (!lifted)
    throw new ProtocolError(
      'bad_frame',
      `no ban on ${t.kind === 'nick' ? `${t.nick} (identity ${target.value})` : target.value}`,
    );
  await tellGateways(a.store, { k: 'bans' });
  await appendAudit(a.store, {
    by: a.by,
    action: 'unban',
    target: `${target.kind}:${target.value}`,
    reason: '',
  });
  return { lines: [`lifted: ${banLine(lifted)}`], data: { lifted } };
}

export async function listBans(a: AdminContext): Promise<Output> {
  const bans = (await pruneBans(a.store, a.store.clock.now())).sort((x, y) => x.at - y.at);
  return {
    lines: bans.length === 0 ? ['no active bans'] : bans.map(banLine),
    data: bans,
  };
}

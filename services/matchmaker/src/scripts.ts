import { scriptCommand } from '@chatfleet/store';

// The matchmaker's own scripts: services/matchmaker/lua/<name>-<keys>.lua (headers there), and
// how a call makes their KEYS and ARGV.
const MATCHMAKER_LUA = new URL('../lua/', import.meta.url);

export const applyRequestScript = scriptCommand(
  MATCHMAKER_LUA,
  'mm-apply',
  (
    k,
    p: {
      op: string;
      sid: string;
      v: string | number;
      ticket: string;
      score: number;
      ttlMs: number;
    },
  ) => ({
    keys: [k.matchQueue(), k.matchTickets(), k.matchVersion(p.sid)],
    args: [p.op, p.sid, p.v, p.ticket, p.score, p.ttlMs],
  }),
);

export const dropTicketScript = scriptCommand(
  MATCHMAKER_LUA,
  'mm-drop',
  (k, p: { sid: string; raw: string }) => ({
    keys: [k.matchQueue(), k.matchTickets()],
    args: [p.sid, p.raw],
  }),
);

/** One side of a pair: who it is (its met key), its session, its ticket as read, what it met. */
export interface PairSide {
  who: string;
  sid: string;
  raw: string;
  met: string;
  assignment: string;
}

export const commitPairScript = scriptCommand(
  MATCHMAKER_LUA,
  'mm-pair',
  (
    k,
    p: {
      a: PairSide;
      b: PairSide;
      room: string;
      match: string;
      ttlMs: number;
      repeatBlockMs: number;
    },
  ) => ({
    keys: [
      k.matchQueue(),
      k.matchTickets(),
      k.met(p.a.who),
      k.met(p.b.who),
      k.match(p.room),
      k.assigned(p.a.sid),
      k.assigned(p.b.sid),
    ],
    args: [
      p.a.sid,
      p.b.sid,
      p.a.raw,
      p.b.raw,
      p.match,
      p.ttlMs,
      p.repeatBlockMs,
      p.a.met,
      p.b.met,
      p.a.assignment,
      p.b.assignment,
    ],
  }),
);

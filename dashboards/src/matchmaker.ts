import { instanceOf, type BoardSpec } from './board.js';
import { processPanels, redisPanels } from './common-panels.js';
import { quantiles, rate, type PanelSpec } from './panels.js';

/** Tickets in the stranger queue (on the overview too). */
export const queuePanel = (sel: string): PanelSpec => ({
  title: 'Strangers waiting',
  description:
    'Tickets in the queue. It should rise and fall; above 1 while no matches happen means the matchmaker is stuck or down (the ChatfleetMatchmakerStuck alert).',
  unit: 'short',
  targets: [[`max(chat_matchmaker_queue_length{${sel}})`, 'waiting']],
});

/** Time to match at the given quantiles (on the overview too). */
export const timeToMatchPanel = (sel: string, qs: number[]): PanelSpec => ({
  title: 'Time to match',
  description:
    'From the match request to the pairing. With two or more waiting it should stay well under a second; tagged tickets widen to anyone after MATCH_WIDEN_MS (10 s).',
  unit: 's',
  targets: quantiles('chat_matchmaker_time_to_match_seconds', sel, qs),
});

const panels = (sel: string): PanelSpec[] => [
  queuePanel(sel),
  timeToMatchPanel(sel, [0.5, 0.9, 0.99]),
  {
    title: 'Requests and matches',
    description:
      'Requests applied by op and pairs made per second. requeue: the fleet queued someone again (a partner’s gateway died); high requeues mean gateways dying or Redis losing data.',
    unit: 'ops',
    targets: [
      [rate('chat_matchmaker_requests_total', sel, 'op'), '{{op}}'],
      [rate('chat_matchmaker_matches_total', sel), 'matches'],
    ],
  },
  {
    title: 'Dropped tickets and skipped pairs',
    description:
      'Tickets dropped because their gateway died, and chosen pairs not made because a ticket changed meanwhile. Skips as high as matches: instances racing or clients churning.',
    unit: 'ops',
    targets: [
      [rate('chat_matchmaker_dropped_tickets_total', sel, 'reason'), 'dropped {{reason}}'],
      [rate('chat_matchmaker_skipped_pairs_total', sel), 'skipped pairs'],
    ],
  },
];

const SEL = 'service="matchmaker", instance=~"$instance"';

/** The matchmaker in depth. */
export const matchmaker: BoardSpec = {
  uid: 'chatfleet-matchmaker',
  title: 'chatfleet matchmaker',
  sel: SEL,
  variables: [instanceOf('matchmaker')],
  panels: [...panels(SEL), ...redisPanels(SEL), ...processPanels(SEL)],
};

import { board, type BoardSpec } from './board.js';
import { gateway } from './gateway.js';
import { historyWriter } from './history-writer.js';
import { k6 } from './k6.js';
import { matchmaker } from './matchmaker.js';
import { overview } from './overview.js';

/** Every dashboard, by the file name of its generated JSON under dashboards/grafana/. */
export const DASHBOARDS: Record<string, BoardSpec> = {
  'chatfleet-overview.json': overview,
  'chatfleet-tcp-gateway.json': gateway('tcp-gateway'),
  'chatfleet-ws-gateway.json': gateway('ws-gateway'),
  'chatfleet-matchmaker.json': matchmaker,
  'chatfleet-history-writer.json': historyWriter,
  'chatfleet-k6.json': k6,
};

/** The JSON Grafana provisions, exactly as committed. */
export const render = (spec: BoardSpec): string =>
  `${JSON.stringify(board(spec).build(), null, 2)}\n`;

import type { DashboardBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { overview } from './overview.js';

/** Every dashboard, by the file name of its generated JSON under dashboards/grafana/. */
export const DASHBOARDS: Record<string, () => DashboardBuilder> = {
  'chatfleet-overview.json': overview,
};

/** The JSON Grafana provisions, exactly as committed. */
export const render = (build: () => DashboardBuilder): string =>
  `${JSON.stringify(build().build(), null, 2)}\n`;

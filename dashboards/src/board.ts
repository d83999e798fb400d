import {
  DashboardBuilder,
  DatasourceVariableBuilder,
  QueryVariableBuilder,
  VariableRefresh,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { DATASOURCE, timeseries, type PanelSpec } from './panels.js';

export interface BoardSpec {
  uid: string;
  title: string;
  /** The label filter every query of the board carries, for inside `{}`. */
  sel: string;
  /** Query variables after the datasource: [name, label, query]. */
  variables: [name: string, label: string, query: string][];
  panels: PanelSpec[];
}

/** A multi-value label filter; All means any value. */
const filter = ([name, label, query]: BoardSpec['variables'][number]) =>
  new QueryVariableBuilder(name)
    .label(label)
    .datasource(DATASOURCE)
    .query(query)
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .multi(true)
    .includeAll(true)
    .allValue('.*');

/** One dashboard: a datasource variable, the board's filters, its panels two to a row. */
export function board(spec: BoardSpec): DashboardBuilder {
  const dash = new DashboardBuilder(spec.title)
    .uid(spec.uid)
    .tags(['chatfleet'])
    .refresh('30s')
    .time({ from: 'now-1h', to: 'now' })
    .timezone('browser')
    .withVariable(
      new DatasourceVariableBuilder('datasource').label('Data source').type('prometheus'),
    );
  for (const v of spec.variables) dash.withVariable(filter(v));
  for (const p of spec.panels) dash.withPanel(timeseries(p));
  return dash;
}

/** The instance filter of a one-service board. */
export const instanceOf = (service: string): BoardSpec['variables'][number] => [
  'instance',
  'Instance',
  `label_values(chat_process_cpu_seconds_total{service="${service}"}, instance)`,
];

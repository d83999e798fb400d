import {
  LegendDisplayMode,
  LegendPlacement,
  VizLegendOptionsBuilder,
} from '@grafana/grafana-foundation-sdk/common';
import { DataqueryBuilder } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder } from '@grafana/grafana-foundation-sdk/timeseries';

/** Every panel and query reads from the datasource the dashboard's variable picks. */
export const DATASOURCE = { type: 'prometheus', uid: '${datasource}' };

export interface PanelSpec {
  title: string;
  /** What it shows and what a bad value looks like. */
  description: string;
  unit: string;
  targets: [expr: string, legend: string][];
  width?: number;
}

/** A quantile of a histogram, summed over everything the selector keeps (and `by`). */
export const quantile = (q: number, metric: string, sel: string, by = ''): string =>
  `histogram_quantile(${q}, sum by (le${by ? `, ${by}` : ''}) (rate(${metric}_bucket{${sel}}[$__rate_interval])))`;

/** Targets for a histogram at several quantiles, legends `p50`, `p99` (`p50 {{kind}}` by kind). */
export const quantiles = (
  metric: string,
  sel: string,
  qs: number[],
  by = '',
): PanelSpec['targets'] =>
  qs.map((q) => [quantile(q, metric, sel, by), `p${Math.round(q * 100)}${by ? ` {{${by}}}` : ''}`]);

/** Per-second rate of a counter, summed (by the given labels). */
export const rate = (metric: string, sel: string, by = ''): string =>
  `sum${by ? ` by (${by})` : ''} (rate(${metric}{${sel}}[$__rate_interval]))`;

/** A time series panel of a few Prometheus queries. */
export function timeseries(p: PanelSpec): PanelBuilder {
  const panel = new PanelBuilder()
    .title(p.title)
    .description(p.description)
    .unit(p.unit)
    .datasource(DATASOURCE)
    .min(0)
    .legend(
      new VizLegendOptionsBuilder()
        .showLegend(true)
        .displayMode(LegendDisplayMode.List)
        .placement(LegendPlacement.Bottom),
    )
    .height(8)
    .span(p.width ?? 12);
  p.targets.forEach(([expr, legend], i) =>
    panel.withTarget(
      new DataqueryBuilder()
        .datasource(DATASOURCE)
        .refId(String.fromCharCode(65 + i))
        .expr(expr)
        .legendFormat(legend),
    ),
  );
  return panel;
}

// Writes dashboards/grafana/*.json from the builders (npm run generate -w @chatfleet/dashboards).
import { writeFileSync } from 'node:fs';
import { DASHBOARDS, render } from './dashboards.js';

for (const [file, build] of Object.entries(DASHBOARDS)) {
  writeFileSync(new URL(`../grafana/${file}`, import.meta.url), render(build));
  console.log(`wrote dashboards/grafana/${file}`);
}

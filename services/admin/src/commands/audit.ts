import { readAudit } from '@chatfleet/store';
import type { AdminContext } from '../context.js';
import { type Output, when } from '../format.js';

export async function audit(a: AdminContext, limit: number): Promise<Output> {
  const entries = await readAudit(a.store, limit);
  return {
    lines:
      entries.length === 0
        ? ['nothing in the audit stream']
        : entries.map(
            (e) =>
              `${when(e.at)}  ${e.by}  ${e.action} ${e.target}${e.reason ? `: ${e.reason}` : ''}`,
          ),
    data: entries,
  };
}

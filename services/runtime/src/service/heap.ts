import { setFlagsFromString } from 'node:v8';

/**
 * Applies the V8 settings a gateway's config asks for, before it allocates its sessions.
 * NODE_OPTIONS refuses --optimize-for-size, so a service sets it on itself; measured in
 * docs/benchmarks.md (idle memory per connection against CPU per delivery).
 */
export function tuneHeap(o: { optimizeForSize: boolean }): void {
  if (o.optimizeForSize) setFlagsFromString('--optimize-for-size');
}

// The deploy rehearsal's drift check: a plan right after the apply should be empty, but moto
// reads some things back differently than it was told. Every change in the plan must be one
// known-diffs.json names (resource type, action, attributes) with its reason; anything else
// fails the rehearsal. Usage: node plan-diffs.mjs PLAN_JSON (from `terraform show -json`).
import { readFileSync } from 'node:fs';

const plan = JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8'));
const known = JSON.parse(readFileSync(new URL('known-diffs.json', import.meta.url), 'utf8'));

const hasUnknown = (u) =>
  u === true || (typeof u === 'object' && u !== null && Object.values(u).some(hasUnknown));

/** The top-level attributes a change touches: those that force a replacement, or differ. */
function touched(change) {
  if (change.actions.includes('delete') && change.actions.includes('create'))
    return [...new Set((change.replace_paths ?? []).map((p) => String(p[0])))].sort();
  const before = change.before ?? {};
  const after = change.after ?? {};
  const unknown = change.after_unknown ?? {};
  return Object.keys({ ...before, ...after })
    .filter(
      (k) =>
        JSON.stringify(before[k] ?? null) !== JSON.stringify(after[k] ?? null) ||
        (before[k] !== undefined && hasUnknown(unknown[k])),
    )
    .sort();
}

let unexpected = 0;
const seen = new Map();
for (const rc of plan.resource_changes ?? []) {
  const action = rc.change.actions.join('+');
  if (action === 'no-op' || action === 'read') continue;
  const attrs = touched(rc.change);
  const rule = known.find(
    (k) =>
      k.type === rc.type && k.action === action && attrs.every((a) => k.attributes.includes(a)),
  );
  if (!rule) {
    unexpected++;
    console.log(`  UNEXPECTED: ${rc.address} ${action} [${attrs.join(', ')}]`);
    continue;
  }
  const key = `${rc.type} ${action} [${attrs.join(', ')}]: ${rule.why}`;
  seen.set(key, (seen.get(key) ?? 0) + 1);
}
for (const [key, n] of seen) console.log(`  known emulator diff ×${n}: ${key}`);
if (unexpected > 0) {
  console.log(`  ${unexpected} change(s) after apply that are not known emulator diffs`);
  process.exit(1);
}

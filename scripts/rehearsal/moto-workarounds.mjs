// The deploy rehearsal's workarounds for what moto 5.2.5 (the local AWS emulator) does not do,
// all listed here, each with its reason; the run prints those it applies. They change the
// rehearsal's copy of a stack, or the emulator, never the stacks:
//   1. CreateCacheParameterGroup is not implemented: the copy names the family's default group.
//   2. MonitorInstances is not implemented: the copy's monitoring host has no detailed monitoring.
//   3. A replication group's member clusters are listed but never made, so the provider's read
//      of <group>-001 answers 404: moto_prepare.py makes them first, through the API.
//   4. A replication group never finishes deleting, and DeleteCacheSubnetGroup is not
//      implemented: deploy-rehearsal.sh forgets both from the state before destroy.
//   5. Unimplemented calls are retried for minutes by default: the override sets max_retries 3.
// Usage: node scripts/rehearsal/moto-workarounds.mjs STACK_JSON
import { readFileSync, writeFileSync } from 'node:fs';

const [file] = process.argv.slice(2);
if (!file) {
  console.error('usage: moto-workarounds.mjs STACK_JSON');
  process.exit(2);
}
const stack = JSON.parse(readFileSync(file, 'utf8'));
const res = stack.resource ?? {};
const applied = [];

// moto 5.2.5 does not implement CreateCacheParameterGroup: the group is left out and the
// replication group names the family's default group instead.
const groups = res.aws_elasticache_parameter_group ?? {};
const defaults = {};
for (const [name, g] of Object.entries(groups)) {
  const cluster = (g.parameter ?? []).some(
    (p) => p.name === 'cluster-enabled' && p.value === 'yes',
  );
  defaults[name] = `default.${g.family}${cluster ? '.cluster.on' : ''}`;
}
if (Object.keys(groups).length > 0) {
  delete res.aws_elasticache_parameter_group;
  applied.push(
    'aws_elasticache_parameter_group left out: CreateCacheParameterGroup is not implemented',
  );
}

// moto does not implement MonitorInstances (detailed monitoring): the host is made without it.
for (const i of Object.values(res.aws_instance ?? {}))
  if (i.monitoring) {
    i.monitoring = false;
    applied.push('aws_instance monitoring off: MonitorInstances is not implemented');
  }

if (Object.keys(res.aws_elasticache_replication_group ?? {}).length > 0)
  applied.push(
    'replication and subnet groups forgotten before destroy: moto never finishes deleting one and lacks DeleteCacheSubnetGroup',
  );
applied.push('provider max_retries 3: an unimplemented call fails in seconds, not minutes');

let text = JSON.stringify(stack);
for (const [name, value] of Object.entries(defaults))
  text = text.replaceAll(`\${aws_elasticache_parameter_group.${name}.name}`, value);
writeFileSync(file, text);
for (const a of applied) console.log(`  workaround: ${a}`);

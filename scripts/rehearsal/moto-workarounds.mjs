// The deploy rehearsal's workarounds for what moto (the local AWS emulator) does not do. They
// change the rehearsal's copy of a stack, never the stack. Each says why, and the run prints
// them. Usage: node scripts/rehearsal/moto-workarounds.mjs STACK_JSON
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

// moto never finishes deleting a replication group, and does not implement
// DeleteCacheSubnetGroup: deploy-rehearsal.sh forgets both (terraform state rm) before destroy.

let text = JSON.stringify(stack);
for (const [name, value] of Object.entries(defaults))
  text = text.replaceAll(`\${aws_elasticache_parameter_group.${name}.name}`, value);
writeFileSync(file, text);
for (const a of applied) console.log(`  workaround: ${a}`);

// Prepares a copy of a synthesized stack for an offline validate/plan (scripts/infra-validate.sh):
// the AWS provider version is set to the one found locally, random_password (no random
// provider here) is replaced by a fixed value, and the backend is dropped. The stack itself is
// never changed.
// Usage: node scripts/infra-offline-copy.mjs IN_JSON OUT_JSON AWS_VERSION
import { readFileSync, writeFileSync } from 'node:fs';

const [input, output, awsVersion] = process.argv.slice(2);
if (!input || !output || !awsVersion) {
  console.error('usage: infra-offline-copy.mjs IN_JSON OUT_JSON AWS_VERSION');
  process.exit(2);
}
const stack = JSON.parse(readFileSync(input, 'utf8'));
const notes = [];
const providers = stack.terraform?.required_providers ?? {};
if (providers.aws && providers.aws.version !== awsVersion) {
  notes.push(`aws provider ${awsVersion} instead of the pinned ${providers.aws.version}`);
  providers.aws = { ...providers.aws, source: 'hashicorp/aws', version: awsVersion };
}
if (stack.terraform?.backend) {
  // The plan keeps its (empty) state in the temporary folder: no backend is reached.
  delete stack.terraform.backend;
}
const passwords = Object.keys(stack.resource?.random_password ?? {});
if (passwords.length > 0) {
  delete stack.resource.random_password;
  delete providers.random;
  if (stack.provider) delete stack.provider.random;
  notes.push(
    `random_password ${passwords.join(', ')} replaced by a fixed value (no random provider)`,
  );
}
let text = JSON.stringify(stack);
for (const name of passwords) {
  // A fixed, valid ElastiCache token (16–128 printable characters) stands in for the result.
  text = text.replaceAll(`\${random_password.${name}.result}`, 'offline-plan-token-0123456789');
}
writeFileSync(output, text);
for (const n of notes) console.log(`  note: ${n}`);

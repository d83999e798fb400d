import type { Construct } from 'constructs';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider/index.js';
import { RandomProvider } from '@cdktf/provider-random/lib/provider/index.js';
import { Testing } from './cdktf.js';

export type Synth = {
  resource?: Record<string, Record<string, Record<string, unknown>>>;
  output?: Record<string, unknown>;
} & Record<string, unknown>;

/** Synthesizes one construct inside a stack with providers, as JSON text and as an object. */
export function synthConstruct(build: (scope: Construct) => void): { json: string; tf: Synth } {
  const json = Testing.synthScope((scope) => {
    new AwsProvider(scope, 'aws', { region: 'eu-west-1' });
    new RandomProvider(scope, 'random');
    build(scope);
  });
  return { json, tf: JSON.parse(json) as Synth };
}

/** Every resource of a type, whatever its name. */
export function resources(tf: Synth, type: string): Record<string, unknown>[] {
  return Object.values(tf.resource?.[type] ?? {});
}

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

export interface Statement {
  Sid?: string;
  Effect: string;
  Principal?: { AWS: string | string[] };
  Action: string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

/**
 * The statements of a policy synthesized as `${jsonencode({...})}`: HCL object syntax turned
 * back into JSON; each bare expression (aws_x.y.arn, element(...)) and each `${...}` inside a
 * string is kept as text, so tests can see which resource a statement names.
 */
export function policyStatements(policy: unknown): Statement[] {
  const text = String(policy);
  const src = /^\$\{jsonencode\(([\s\S]*)\)\}$/.exec(text)?.[1] ?? text;
  let out = '';
  let i = 0;
  // Skips a balanced run from src[from] until depth 0 meets one of `stops`; returns its end.
  const balanced = (from: number, stops: string): number => {
    let depth = 0;
    let j = from;
    for (; j < src.length; j++) {
      const c = src[j] ?? '';
      if (depth === 0 && stops.includes(c)) break;
      if ('([{'.includes(c)) depth++;
      else if (')]}'.includes(c)) depth--;
    }
    return j;
  };
  while (i < src.length) {
    const c = src[i] ?? '';
    if (c === '"') {
      let j = i + 1;
      let str = '';
      while (j < src.length && src[j] !== '"') {
        if (src[j] === '$' && src[j + 1] === '{') {
          // Up to the brace that closes this interpolation; its quotes become single quotes.
          const k = balanced(j + 2, '}');
          str += src.slice(j, k + 1).replace(/"/g, "'");
          j = k + 1;
        } else if (src[j] === '\\') {
          str += src.slice(j, j + 2);
          j += 2;
        } else str += src[j++];
      }
      out += `"${str}"`;
      i = j + 1;
    } else if (c === '=') {
      out += ':';
      i++;
    } else if (/[a-z]/.test(c)) {
      const end = balanced(i, ',]}');
      const expr = src.slice(i, end).trim();
      out += ['true', 'false', 'null'].includes(expr) ? expr : JSON.stringify(expr);
      i = end;
    } else {
      out += c;
      i++;
    }
  }
  return (JSON.parse(out) as { Statement: Statement[] }).Statement;
}

import { dev, prod, type EnvironmentConfig } from './environments.js';

/**
 * The environment's say over a deploy, read once here: certificate, domain, admin CIDRs, image
 * tag and remote state. Synth works with none of them set (local state, plain TCP 80).
 */
export function environments(env: NodeJS.ProcessEnv = process.env): EnvironmentConfig[] {
  const cidrs = (env['ADMIN_CIDRS'] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const c of cidrs)
    if (!/^\d+\.\d+\.\d+\.\d+\/\d+$/.test(c) || c === '0.0.0.0/0')
      throw new Error(`ADMIN_CIDRS: "${c}" is not a narrow IPv4 CIDR`);
  return [dev, prod].map((base) => {
    const up = base.name.toUpperCase();
    const bucket = env['STATE_BUCKET'];
    const cert = env[`${up}_CERTIFICATE_ARN`];
    const domain = env[`${up}_DOMAIN`];
    return {
      ...base,
      ...(env['AWS_REGION'] ? { region: env['AWS_REGION'] } : {}),
      ...(cidrs.length > 0 ? { adminCidrs: cidrs } : {}),
      ...(env['IMAGE_TAG'] ? { imageTag: env['IMAGE_TAG'] } : {}),
      ...(cert ? { certificateArn: cert } : {}),
      ...(domain ? { domainName: domain } : {}),
      ...(bucket
        ? {
            state: {
              bucket,
              key: `chatfleet/${base.name}.tfstate`,
              region: env['STATE_REGION'] ?? base.region,
              ...(env['STATE_LOCK_TABLE'] ? { lockTable: env['STATE_LOCK_TABLE'] } : {}),
            },
          }
        : {}),
    };
  });
}

export function outdir(env: NodeJS.ProcessEnv = process.env): string {
  return env['CDKTF_OUTDIR'] ?? 'cdktf.out';
}

import { readFileSync } from 'node:fs';

// infra/host/chatfleet-watch.sh, carried as base64: no quoting or ${} for Terraform to touch.
const WATCH_B64 = readFileSync(new URL('../../host/chatfleet-watch.sh', import.meta.url)).toString(
  'base64',
);

// The group that may read the Redis URL file: no host user has it.
const SECRET_GID = 2947;

export interface UserDataProps {
  service: string;
  region: string;
  image: string;
  registry: string;
  logGroup: string;
  redisEndpoint: string;
  tokenParameter: string;
  asgName: string;
  hookName: string;
  /** How long the watcher lets the service drain after SIGTERM. */
  graceSeconds: number;
  ports: number[];
  env: Record<string, string>;
}

/**
 * cloud-init for one service host: the watcher (infra/host/chatfleet-watch.sh: drain on
 * terminate, replace the host when the service stays down), Docker, the Redis token read from
 * SSM at boot (never written here), the image from ECR, restart always, logs to CloudWatch.
 * No double quotes: cdktf refuses them in a value it must pass through Terraform.
 */
export function userData(p: UserDataProps): string {
  const env = Object.entries(p.env)
    .map(([k, v]) => `-e ${k}=${v}`)
    .join(' ');
  return `#!/bin/bash
set -euo pipefail
# The watcher first: if anything below fails, it sees no service and has the host replaced.
echo ${WATCH_B64} | base64 -d > /usr/local/bin/chatfleet-watch
chmod +x /usr/local/bin/chatfleet-watch
cat > /etc/systemd/system/chatfleet-watch.service <<'UNIT'
[Unit]
Description=Drain chatfleet before the instance is terminated; report a service that is down
[Service]
Environment=SERVICE=${p.service} REGION=${p.region} ASG_NAME=${p.asgName} HOOK_NAME=${p.hookName} GRACE_S=${p.graceSeconds}
ExecStart=/usr/local/bin/chatfleet-watch
Restart=always
[Install]
WantedBy=multi-user.target
UNIT
systemctl enable --now chatfleet-watch
dnf install -y docker
systemctl enable --now docker
imds() {
  local t
  t=$(curl -sf -X PUT http://169.254.169.254/latest/api/token -H 'X-aws-ec2-metadata-token-ttl-seconds: 300')
  curl -sf -H X-aws-ec2-metadata-token:$t http://169.254.169.254/latest/$1
}
INSTANCE_ID=$(imds meta-data/instance-id)
# The URL with the token goes to a root-only file the service reads (REDIS_URL_FILE): it never
# appears in an environment, so docker inspect and /proc do not show it.
install -d -m 700 /etc/chatfleet
umask 077
TOKEN=$(aws ssm get-parameter --region ${p.region} --name ${p.tokenParameter} --with-decryption --query Parameter.Value --output text)
echo rediss://:$TOKEN@${p.redisEndpoint}:6379 > /etc/chatfleet/redis-url
unset TOKEN
umask 022
# Root and the container alone: group ${SECRET_GID} has no member on the host; the service
# (user node) gets it with --group-add.
chgrp ${SECRET_GID} /etc/chatfleet /etc/chatfleet/redis-url
chmod 750 /etc/chatfleet
chmod 440 /etc/chatfleet/redis-url
aws ecr get-login-password --region ${p.region} | docker login --username AWS --password-stdin ${p.registry}
docker pull ${p.image}
# awslogs non-blocking: a slow CloudWatch drops log lines instead of stalling the service.
docker run -d --name ${p.service} --restart always --network host --stop-timeout 15 \\
  --log-driver awslogs --log-opt mode=non-blocking --log-opt max-buffer-size=4m \\
  --log-opt awslogs-region=${p.region} --log-opt awslogs-group=${p.logGroup} --log-opt awslogs-stream=$INSTANCE_ID \\
  --group-add ${SECRET_GID} -v /etc/chatfleet/redis-url:/run/secrets/redis-url:ro -e REDIS_URL_FILE=/run/secrets/redis-url ${env} \\
  ${p.image}
# ports: ${p.ports.join(', ')}
`;
}

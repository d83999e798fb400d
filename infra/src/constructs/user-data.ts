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
  ports: number[];
  env: Record<string, string>;
}

/**
 * cloud-init for one service host: Docker, the Redis token read from SSM at boot (never
 * written here), the image from ECR, restart always, logs to CloudWatch, and a drain watcher
 * that stops the container (SIGTERM: bye shutdown, drain) when the instance is terminating.
 * No double quotes: cdktf refuses them in a value it must pass through Terraform.
 */
export function userData(p: UserDataProps): string {
  const env = Object.entries(p.env)
    .map(([k, v]) => `-e ${k}=${v}`)
    .join(' ');
  return `#!/bin/bash
set -euo pipefail
dnf install -y docker
systemctl enable --now docker
imds() {
  local t
  t=$(curl -sf -X PUT http://169.254.169.254/latest/api/token -H 'X-aws-ec2-metadata-token-ttl-seconds: 300')
  curl -sf -H X-aws-ec2-metadata-token:$t http://169.254.169.254/latest/$1
}
INSTANCE_ID=$(imds meta-data/instance-id)
TOKEN=$(aws ssm get-parameter --region ${p.region} --name ${p.tokenParameter} --with-decryption --query Parameter.Value --output text)
aws ecr get-login-password --region ${p.region} | docker login --username AWS --password-stdin ${p.registry}
docker pull ${p.image}
docker run -d --name ${p.service} --restart always --network host --stop-timeout 15 \\
  --log-driver awslogs --log-opt awslogs-region=${p.region} --log-opt awslogs-group=${p.logGroup} --log-opt awslogs-stream=$INSTANCE_ID \\
  -e REDIS_URL=rediss://:$TOKEN@${p.redisEndpoint}:6379 ${env} \\
  ${p.image}
unset TOKEN
cat > /usr/local/bin/chatfleet-drain <<'DRAIN'
#!/bin/bash
# Waits for the terminate lifecycle hook, lets the service drain, then tells the group.
while sleep 5; do
  t=$(curl -sf -X PUT http://169.254.169.254/latest/api/token -H 'X-aws-ec2-metadata-token-ttl-seconds: 60') || continue
  state=$(curl -sf -H X-aws-ec2-metadata-token:$t http://169.254.169.254/latest/meta-data/autoscaling/target-lifecycle-state) || continue
  if [ x$state = xTerminated ]; then
    docker stop --time 15 ${p.service} || true
    id=$(curl -sf -H X-aws-ec2-metadata-token:$t http://169.254.169.254/latest/meta-data/instance-id)
    aws autoscaling complete-lifecycle-action --region ${p.region} --auto-scaling-group-name ${p.asgName} \\
      --lifecycle-hook-name ${p.hookName} --lifecycle-action-result CONTINUE --instance-id $id || true
    exit 0
  fi
done
DRAIN
chmod +x /usr/local/bin/chatfleet-drain
cat > /etc/systemd/system/chatfleet-drain.service <<'UNIT'
[Unit]
Description=Drain chatfleet before the instance is terminated
After=docker.service
[Service]
ExecStart=/usr/local/bin/chatfleet-drain
Restart=on-failure
[Install]
WantedBy=multi-user.target
UNIT
systemctl enable --now chatfleet-drain
# ports: ${p.ports.join(', ')}
`;
}

#!/usr/bin/env node
import { ProtocolError } from '@chatfleet/protocol';
import { ConfigError } from '@chatfleet/runtime';
import { parseArgs, USAGE, UsageError } from './args.js';
import { readConfig } from './config.js';
import { openAdmin } from './context.js';
import { runCommand } from './run.js';

// Exit codes: 0 done, 1 refused or failed (nothing changed unless the message says so), 2 usage.
const argv = process.argv.slice(2);
const json = argv.includes('--json');
const fail = (code: number, kind: string, message: string) => {
  if (json) process.stdout.write(`${JSON.stringify({ error: { code: kind, message } })}\n`);
  else process.stderr.write(`chatfleet-admin: ${message}\n`);
  process.exitCode = code;
};
try {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const inv = parseArgs(argv);
  const config = readConfig();
  const admin = await openAdmin(config, inv.as ?? config.moderator);
  try {
    const out = await runCommand(admin, inv.command);
    process.stdout.write(
      json ? `${JSON.stringify(out.data, null, 2)}\n` : `${out.lines.join('\n')}\n`,
    );
  } finally {
    await admin.close();
  }
} catch (err) {
  if (err instanceof UsageError) fail(2, 'usage', err.message);
  else if (err instanceof ProtocolError) fail(1, err.code, err.message);
  else if (err instanceof ConfigError) fail(2, 'config', err.message);
  else fail(1, 'failed', (err as Error).message);
}

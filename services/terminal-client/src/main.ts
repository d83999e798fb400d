#!/usr/bin/env node
import { parseArgs, UsageError } from './args.js';
import { ChatClient } from './chat-client.js';
import { Terminal } from './terminal.js';

try {
  const args = parseArgs(process.argv.slice(2));
  const term = new Terminal();
  const client = new ChatClient(args, term);
  term.onLine = (line) => client.input(line);
  term.onKey = (line) => client.keyTyped(line);
  term.onClose = () => client.quit();
  client.connect();
} catch (err) {
  if (!(err instanceof UsageError)) throw err;
  console.error(err.message);
  process.exit(2);
}

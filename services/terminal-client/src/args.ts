export interface ClientArgs {
  host: string;
  port: number;
  nick?: string;
  automatch: boolean;
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const USAGE =
  'usage: chatfleet [host:port] [--nick NAME] [--no-match]   (default localhost:8888)';

export function parseArgs(argv: string[]): ClientArgs {
  const out: ClientArgs = { host: 'localhost', port: 8888, automatch: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a === '--nick') out.nick = argv[++i];
    else if (a === '--no-match') out.automatch = false;
    else if (a === '--help' || a === '-h') throw new UsageError(USAGE);
    else if (!a.startsWith('-')) {
      const m = /^(\[[^\]]+\]|[^:]+)?(?::(\d+))?$/.exec(a);
      if (!m) throw new UsageError(`not a host:port: ${a}\n${USAGE}`);
      if (m[1]) out.host = m[1].replace(/^\[|\]$/g, '');
      if (m[2]) out.port = Number(m[2]);
    } else throw new UsageError(`unknown option ${a}\n${USAGE}`);
  }
  if (!Number.isInteger(out.port) || out.port < 1 || out.port > 65535)
    throw new UsageError(`bad port\n${USAGE}`);
  return out;
}

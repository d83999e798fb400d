import { createInterface, clearLine, cursorTo, type Interface } from 'node:readline';

/**
 * The prompt. Incoming lines are printed above it: the line being typed is redrawn, never
 * broken. Up and down recall earlier lines (readline's own history).
 */
export class Terminal {
  onLine: (line: string) => void = () => undefined;
  onClose: () => void = () => undefined;
  private readonly rl: Interface;
  private readonly tty = Boolean(process.stdout.isTTY);

  constructor() {
    this.rl = createInterface({
      input: process.stdin,
      output: process.stdout,
      historySize: 500,
      terminal: Boolean(process.stdin.isTTY),
    });
    this.rl.on('line', (l) => {
      this.onLine(l);
      this.rl.prompt();
    });
    this.rl.on('close', () => this.onClose());
  }

  setPrompt(where: string | undefined): void {
    this.rl.setPrompt(where ? `${where}> ` : '> ');
  }

  print(lines: string[]): void {
    if (lines.length === 0) return;
    if (this.tty) {
      clearLine(process.stdout, 0);
      cursorTo(process.stdout, 0);
    }
    process.stdout.write(`${lines.join('\n')}\n`);
    if (this.tty) this.rl.prompt(true);
  }

  close(): void {
    this.rl.close();
  }
}

import { clearLine, createInterface, cursorTo, type Interface, moveCursor } from 'node:readline';

/** A line printed for a message, so a removal can take it off the screen. */
interface Mark {
  row: number;
  rows: number;
}

const MARKS_KEPT = 500;

/**
 * The prompt. Incoming lines are printed above it: the line being typed is redrawn, never
 * broken. Up and down recall earlier lines (readline's own history). A status (who is typing)
 * shows in the prompt itself, so it never pushes the conversation up.
 */
export class Terminal {
  onLine: (line: string) => void = () => undefined;
  onClose: () => void = () => undefined;
  /** The user typed a key; `line` is what the prompt holds now. */
  onKey: (line: string) => void = () => undefined;
  private readonly rl: Interface;
  private readonly tty = Boolean(process.stdout.isTTY);
  private where: string | undefined;
  private status: string | undefined;
  /** Screen rows printed so far, and where each marked message line went. */
  private rows = 0;
  private readonly marks = new Map<string, Mark>();

  constructor() {
    this.rl = createInterface({
      input: process.stdin,
      output: process.stdout,
      historySize: 500,
      terminal: Boolean(process.stdin.isTTY),
    });
    this.rl.on('line', (l) => {
      // The typed line stays on the screen, above the next prompt.
      const typed = [...this.rl.getPrompt()].length + [...l].length;
      this.rows += Math.max(1, Math.ceil(typed / (process.stdout.columns || 80)));
      this.onLine(l);
      this.rl.prompt();
    });
    this.rl.on('close', () => this.onClose());
    if (process.stdin.isTTY)
      process.stdin.on('keypress', () => setImmediate(() => this.onKey(this.rl.line)));
  }

  setPrompt(where: string | undefined): void {
    this.where = where;
    this.applyPrompt(false);
  }

  /** Shows (or clears) a status in the prompt, keeping what is being typed. */
  setStatus(status: string | undefined): void {
    if (status === this.status) return;
    this.status = status;
    this.applyPrompt(true);
  }

  private applyPrompt(redraw: boolean): void {
    const base = this.where ?? '';
    this.rl.setPrompt(`${base}${this.status ? ` (${this.status})` : ''}> `);
    if (!redraw || !this.tty) return;
    clearLine(process.stdout, 0);
    cursorTo(process.stdout, 0);
    this.rl.prompt(true);
  }

  /** Prints lines above the prompt; `mark` names a one-line message for `erase`. */
  print(lines: string[], mark?: string): void {
    if (lines.length === 0) return;
    if (this.tty) {
      clearLine(process.stdout, 0);
      cursorTo(process.stdout, 0);
    }
    process.stdout.write(`${lines.join('\n')}\n`);
    if (!this.tty) return;
    const cols = process.stdout.columns || 80;
    for (const l of lines) {
      const rows = Math.max(1, Math.ceil([...l].length / cols));
      if (mark !== undefined && lines.length === 1) this.marks.set(mark, { row: this.rows, rows });
      this.rows += rows;
    }
    if (this.marks.size > MARKS_KEPT) this.marks.delete(this.marks.keys().next().value ?? '');
    this.rl.prompt(true);
  }

  /**
   * Writes `replacement` over a marked line still on the screen; false when it cannot (not a
   * terminal, never printed, or scrolled out of sight).
   */
  erase(mark: string, replacement: string): boolean {
    const m = this.marks.get(mark);
    if (!this.tty || !m) return false;
    const up = this.rows - m.row;
    if (up > (process.stdout.rows || 24) - 2) return false;
    const out = process.stdout;
    clearLine(out, 0);
    cursorTo(out, 0);
    moveCursor(out, 0, -up);
    for (let i = 0; i < m.rows; i++) {
      clearLine(out, 0);
      cursorTo(out, 0);
      if (i === 0) out.write(replacement);
      if (i < m.rows - 1) moveCursor(out, 0, 1);
    }
    moveCursor(out, 0, up - m.rows + 1);
    cursorTo(out, 0);
    this.marks.delete(mark);
    this.rl.prompt(true);
    return true;
  }

  close(): void {
    this.rl.close();
  }
}

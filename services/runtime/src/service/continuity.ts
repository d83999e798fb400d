/**
 * How long this process has reached Redis without a failure (monotonic time). Judging another
 * process dead by its silence is fair only after watching for a whole timeout: when Redis was
 * away, every process fell silent at once, and on its return each looks dead to the others.
 */
export class Continuity {
  private okSince: number | undefined;

  /** `judgeAfterMs`: how long it must have held before the process judges silence. */
  constructor(
    private readonly judgeAfterMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** A round trip that started at `startedAt` succeeded. */
  ok(startedAt: number): void {
    this.okSince ??= startedAt;
  }

  failed(): void {
    this.okSince = undefined;
  }

  /** How long it has succeeded without a failure (0 if it has not yet, or failed last). */
  heldForMs(): number {
    return this.okSince === undefined ? 0 : this.now() - this.okSince;
  }

  /** Whether it has held long enough to take another process's silence for its death. */
  judgesSilence(): boolean {
    return this.heldForMs() >= this.judgeAfterMs;
  }
}

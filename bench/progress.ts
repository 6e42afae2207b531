import { SingleBar } from 'cli-progress';

/** One cli-progress bar per step of the run, on stderr (stdout keeps the report clean). */
export class Progress {
  private bar: SingleBar | null = null;

  begin(step: string, total: number, unit: string): void {
    this.end();
    const tty = process.stderr.isTTY === true;
    this.bar = new SingleBar({
      format: `${step.padEnd(16)} |{bar}| {value}/{total} ${unit} | {info}`,
      barsize: 30,
      hideCursor: tty ? true : null,
      stream: process.stderr,
      // Redirected to a file: a line every 10 s instead of a redrawn bar.
      noTTYOutput: !tty,
      notTTYSchedule: 10_000,
      etaBuffer: 50,
    });
    this.bar.start(Math.max(1, Math.round(total)), 0, { info: '' });
  }

  update(value: number, info: string): void {
    this.bar?.update(Math.round(value), { info });
  }

  end(): void {
    this.bar?.stop();
    this.bar = null;
  }

  /** A line of its own, between bars. */
  note(text: string): void {
    this.end();
    process.stderr.write(`${text}\n`);
  }
}

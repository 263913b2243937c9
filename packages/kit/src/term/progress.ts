// A progress bar on stderr, so a demo's stdout stays clean and comparable
// between runs. On a terminal it redraws one line in place; in CI or a pipe it
// prints only the final line, because a log full of half-drawn bars helps no one.

export interface ProgressBar {
  tick(n?: number, info?: string): void;
  done(info?: string): void;
}

export function progressBar(opts: {
  total: number;
  label: string;
  width?: number;
  stream?: NodeJS.WriteStream;
}): ProgressBar {
  const stream = opts.stream ?? process.stderr;
  const width = opts.width ?? 28;
  const start = Date.now();
  let count = 0;
  let lastDraw = 0;

  const line = (info: string) => {
    const frac = opts.total > 0 ? Math.min(1, count / opts.total) : 1;
    const filled = Math.round(frac * width);
    const bar = "█".repeat(filled) + "░".repeat(width - filled);
    const secs = ((Date.now() - start) / 1000).toFixed(1);
    return `${opts.label} ${bar} ${String(Math.round(frac * 100)).padStart(3)}% ${count}/${opts.total} ${secs}s${info ? "  " + info : ""}`;
  };

  return {
    tick(n = 1, info = "") {
      count += n;
      // Redrawing more than ~20 times a second costs time and shows nothing new.
      const now = Date.now();
      if (stream.isTTY && (now - lastDraw > 50 || count >= opts.total)) {
        lastDraw = now;
        stream.write("\r" + line(info) + "\x1b[K");
      }
    },
    done(info = "") {
      count = Math.max(count, opts.total);
      stream.write((stream.isTTY ? "\r" : "") + line(info) + (stream.isTTY ? "\x1b[K" : "") + "\n");
    },
  };
}

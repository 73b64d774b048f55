import { SingleBar, Presets } from "cli-progress";

/** Live progress: a bar on a TTY, a plain line every few seconds otherwise (CI logs). */
export interface Progress {
  start(script: string, chunksTotal: number, workers: number): void;
  update(chunksDone: number, rows: number): void;
  setTotal(chunksTotal: number): void;
  /** The run holds (why, and for how long so far), or (undefined) goes on. */
  hold?(reason: string | undefined, heldMs: number): void;
  stop(): void;
}

export const silentProgress: Progress = { start() {}, update() {}, setTotal() {}, stop() {} };

export function createProgress(stream: NodeJS.WriteStream = process.stderr, intervalMs = 5_000): Progress {
  return stream.isTTY ? barProgress(stream) : lineProgress(stream, intervalMs);
}

function barProgress(stream: NodeJS.WriteStream): Progress {
  const started = Date.now();
  const bar = new SingleBar(
    {
      stream,
      format: "{script} [{bar}] {percentage}% | chunks {value}/{total} | {rows} rows | {rate} rows/s | ETA {eta_formatted} | {workers} workers{held}",
      hideCursor: true,
    },
    Presets.shades_classic,
  );
  let script = "";
  let workers = 1;
  let held = "";
  return {
    start(name, total, w) {
      script = name;
      workers = w;
      bar.start(total, 0, { script, rows: 0, rate: 0, workers, held });
    },
    update(done, rows) {
      const rate = Math.round(rows / Math.max(0.001, (Date.now() - started) / 1000));
      bar.update(done, { script, rows, rate, workers, held });
    },
    hold(reason, heldMs) {
      held = reason ? ` | held ${Math.round(heldMs / 1000)} s: ${reason}` : "";
      bar.update({ held });
    },
    setTotal(total) {
      bar.setTotal(total);
    },
    stop() {
      bar.stop();
    },
  };
}

function lineProgress(stream: NodeJS.WriteStream, intervalMs: number): Progress {
  const started = Date.now();
  let last = 0;
  let script = "";
  let total = 0;
  let workers = 1;
  return {
    start(name, t, w) {
      script = name;
      total = t;
      workers = w;
      stream.write(`${script}: ${total ? `${total} chunks` : "streaming source"}, ${workers} worker${workers === 1 ? "" : "s"}\n`);
    },
    update(done, rows) {
      const now = Date.now();
      if (now - last < intervalMs) return;
      last = now;
      const secs = (now - started) / 1000;
      stream.write(`${script}: ${done}/${total || "?"} chunks, ${rows} rows, ${Math.round(rows / Math.max(secs, 0.001))} rows/s\n`);
    },
    setTotal(t) {
      total = t;
    },
    hold(reason, heldMs) {
      // Every hold is said, once when it starts, then every few seconds, and once when it ends.
      const now = Date.now();
      if (reason && heldMs > 0 && now - last < intervalMs) return;
      last = now;
      stream.write(reason ? `${script}: held ${Math.round(heldMs / 1000)} s: ${reason}\n` : `${script}: going on after a hold of ${Math.round(heldMs / 1000)} s\n`);
    },
    stop() {},
  };
}

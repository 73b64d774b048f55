import { SingleBar } from "cli-progress";
import { barLine, progressLine, type ProgressState } from "./progress-text";

/** Live progress: a bar on a TTY, a plain line every few seconds otherwise (CI logs). */
export interface Progress {
  /** `totalKnown` (default: a total above 0): false for a source not yet read to its end. */
  start(script: string, chunksTotal: number, workers: number, totalKnown?: boolean): void;
  update(chunksDone: number, rows: number): void;
  /** The chunks planned; `known` false while a source is still being read (then it is the chunks read so far). */
  setTotal(chunksTotal: number, known?: boolean): void;
  /** How much of an --input file the run has read (a source run's measure of how far it is). */
  read?(bytes: number, ofBytes: number): void;
  /** The run holds (why, and for how long so far), or (undefined) goes on. */
  hold?(reason: string | undefined, heldMs: number): void;
  stop(): void;
}

export const silentProgress: Progress = { start() {}, update() {}, setTotal() {}, stop() {} };

export function createProgress(stream: NodeJS.WriteStream = process.stderr, intervalMs = 5_000): Progress {
  return stream.isTTY ? barProgress(stream) : lineProgress(stream, intervalMs);
}

/** The state both forms report from: what is known of the run, and why it holds. */
function tracker() {
  const state: ProgressState = { script: "", workers: 1, startedAt: Date.now(), chunksDone: 0, chunksTotal: 0, totalKnown: false, rows: 0 };
  return {
    state,
    start(script: string, chunksTotal: number, workers: number, totalKnown = chunksTotal > 0) {
      Object.assign(state, { script, workers, chunksTotal, totalKnown, startedAt: Date.now() });
    },
    update(done: number, rows: number) {
      state.chunksDone = done;
      state.rows = rows;
    },
    setTotal(total: number, known = true) {
      if (known) Object.assign(state, { chunksTotal: total, totalKnown: true });
      else state.chunksTotal = state.totalKnown ? Math.max(state.chunksTotal, total) : total;
    },
    read(bytes: number, ofBytes: number) {
      state.input = { read: bytes, size: ofBytes };
    },
    hold(reason: string | undefined, heldMs: number) {
      state.held = reason ? { reason, since: Date.now() - heldMs } : undefined;
    },
  };
}

function barProgress(stream: NodeJS.WriteStream): Progress {
  const run = tracker();
  // cli-progress draws (cursor, redraw rate, clearing); the text is ours, fitted to the terminal's width as it is now.
  // It redraws on its own timer too, so the ETA and a hold's seconds move while no chunk ends.
  const bar = new SingleBar({
    stream,
    hideCursor: true,
    format: () => barLine(run.state, stream.columns || 80, Date.now()),
  });
  const redraw = () => bar.update(run.state.chunksDone);
  return {
    start(name, total, workers, known) {
      run.start(name, total, workers, known);
      bar.start(Math.max(total, 1), 0);
    },
    update(done, rows) {
      run.update(done, rows);
      redraw();
    },
    setTotal(total, known) {
      run.setTotal(total, known);
      bar.setTotal(Math.max(run.state.chunksTotal, 1));
      redraw();
    },
    read(bytes, ofBytes) {
      run.read(bytes, ofBytes);
    },
    hold(reason, heldMs) {
      run.hold(reason, heldMs);
      redraw();
    },
    stop() {
      bar.stop();
    },
  };
}

function lineProgress(stream: NodeJS.WriteStream, intervalMs: number): Progress {
  const run = tracker();
  let last = 0;
  // A report a little early still takes the slot: the heartbeat's own 5 s would otherwise just miss it, every time.
  const due = () => Date.now() - last >= intervalMs * 0.9;
  const line = (text: string) => {
    last = Date.now();
    stream.write(`${text}\n`);
  };
  return {
    start(name, total, workers, known) {
      run.start(name, total, workers, known);
      line(`${name}: ${run.state.totalKnown ? `${total} chunks` : "streaming source (no total until it is read)"}, ${workers} worker${workers === 1 ? "" : "s"}`);
    },
    update(done, rows) {
      run.update(done, rows);
      // One line every few seconds; while the run holds, it says why (progressLine adds the hold).
      if (due()) line(progressLine(run.state, Date.now()));
    },
    setTotal(total, known) {
      run.setTotal(total, known);
    },
    read(bytes, ofBytes) {
      run.read(bytes, ofBytes);
    },
    hold(reason, heldMs) {
      const wasHeld = run.state.held !== undefined;
      run.hold(reason, heldMs);
      // A hold is said when it starts and when it ends; between, the slot's line says it (with the progress).
      if (reason && !wasHeld) line(`${run.state.script}: held ${Math.round(heldMs / 1000)} s: ${reason}`);
      else if (reason && due()) line(progressLine(run.state, Date.now()));
      else if (!reason && wasHeld) line(`${run.state.script}: going on after a hold of ${Math.round(heldMs / 1000)} s`);
    },
    stop() {},
  };
}

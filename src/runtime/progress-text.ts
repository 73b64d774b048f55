/**
 * What a progress report says, as text: the plain line (CI logs) and the live
 * bar (a terminal of any width). Only what is known is said: a source-kind run
 * has no chunk total until its source is read to the end, so it shows the
 * chunks and rows so far (and, for an --input file, how much of it was read).
 */
export interface ProgressState {
  script: string;
  workers: number;
  startedAt: number;
  chunksDone: number;
  /** Chunks planned; while `totalKnown` is false, the chunks read from the source so far. */
  chunksTotal: number;
  totalKnown: boolean;
  rows: number;
  /** An --input file: bytes read of its size. */
  input?: { read: number; size: number };
  /** The run holds: why, since when. */
  held?: { reason: string; since: number };
}

/** How far the run is (0..1), when that can be known: its chunks, else its --input file read so far. */
export function fractionDone(state: ProgressState): number | undefined {
  if (state.totalKnown && state.chunksTotal > 0) return Math.min(1, state.chunksDone / state.chunksTotal);
  if (state.input && state.input.size > 0) return Math.min(1, state.input.read / state.input.size);
  return undefined;
}

/** Seconds left at the pace so far; undefined before there is a pace (or a total). */
export function etaSeconds(state: ProgressState, now: number): number | undefined {
  const fraction = fractionDone(state);
  if (fraction === undefined || fraction <= 0) return undefined;
  return ((now - state.startedAt) / 1000) * ((1 - fraction) / fraction);
}

export function rowsPerSecond(state: ProgressState, now: number): number {
  return Math.round(state.rows / Math.max((now - state.startedAt) / 1000, 0.001));
}

/** 45s, 3m05s, 2h07m; "?" when not known. */
export function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return "?";
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

export function heldText(held: ProgressState["held"], now: number): string {
  return held ? `held ${Math.round((now - held.since) / 1000)} s: ${held.reason}` : "";
}

/** The plain line: `s: 12/40 chunks, 12000 rows, 3400 rows/s, ETA 9s`, with why it holds while it does. */
export function progressLine(state: ProgressState, now: number): string {
  const rate = `${rowsPerSecond(state, now)} rows/s`;
  const parts = state.totalKnown
    ? [`${state.chunksDone}/${state.chunksTotal} chunks`, `${state.rows} rows`, rate, `ETA ${formatDuration(etaSeconds(state, now))}`]
    : [
        `${state.chunksDone} chunks`,
        `${state.rows} rows so far`,
        rate,
        ...(state.input ? [`${Math.floor((fractionDone(state) ?? 0) * 100)}% of the input read`, `ETA ${formatDuration(etaSeconds(state, now))}`] : ["total not known until the source is read"]),
      ];
  if (state.held) parts.push(heldText(state.held, now));
  return `${state.script}: ${parts.join(", ")}`;
}

interface Piece {
  /** Lower is kept longer when the line is too narrow. */
  keep: number;
  text: string;
  /** Shortened (from the end, with …) down to this many characters before it is dropped. */
  minWidth?: number;
  /** The bar: drawn at the width left over, between these. */
  bar?: { fraction: number; min: number; max: number };
}

const SEPARATOR = " | ";
const BAR_FULL = "\u2588";
const BAR_EMPTY = "\u2591";

/**
 * The live bar, never wider than `width - 1` (a full line would wrap the cursor
 * on some terminals): rows, rows/s and ETA stay whatever the width; the script's
 * name, the bar, the chunks, the hold and the workers go in as room allows.
 */
export function barLine(state: ProgressState, width: number, now: number): string {
  const fraction = fractionDone(state);
  const chunks = state.totalKnown ? `chunks ${state.chunksDone}/${state.chunksTotal}` : `chunks ${state.chunksDone}${state.input ? "" : " (total not known yet)"}`;
  const pieces: Piece[] = [
    { keep: 4, text: state.script, minWidth: 12 },
    ...(fraction === undefined ? [] : [{ keep: 5, text: "", bar: { fraction, min: 10, max: 30 } }, { keep: 3, text: `${Math.floor(fraction * 100)}%` }]),
    { keep: 0, text: `${state.rows} rows` },
    { keep: 0, text: `${rowsPerSecond(state, now)} rows/s` },
    { keep: 0, text: `ETA ${formatDuration(etaSeconds(state, now))}` },
    ...(state.held ? [{ keep: 1, text: heldText(state.held, now), minWidth: 16 }] : []),
    { keep: 2, text: chunks },
    { keep: 6, text: `${state.workers} worker${state.workers === 1 ? "" : "s"}` },
  ];
  return fit(pieces, Math.max(1, width - 1));
}

/** Drops the pieces kept least until their narrowest forms fit, then widens what can widen into the room left. */
function fit(pieces: Piece[], budget: number): string {
  const narrowest = (p: Piece) => (p.bar ? p.bar.min + 2 : Math.min(p.text.length, p.minWidth ?? p.text.length));
  const width = (set: Piece[], size: (p: Piece) => number) => set.reduce((sum, p) => sum + size(p), 0) + SEPARATOR.length * Math.max(0, set.length - 1);
  let shown = [...pieces];
  while (shown.length > 1 && width(shown, narrowest) > budget) {
    const dropped = shown.reduce((a, b) => (b.keep > a.keep ? b : a));
    shown = shown.filter((p) => p !== dropped);
  }
  // Room beyond the narrowest forms: first to the shortened texts (most kept first), then to the bar.
  let room = budget - width(shown, narrowest);
  const sizes = new Map(shown.map((p) => [p, narrowest(p)]));
  for (const p of [...shown].filter((p) => !p.bar).sort((a, b) => a.keep - b.keep)) {
    const grow = Math.min(room, p.text.length - sizes.get(p)!);
    sizes.set(p, sizes.get(p)! + grow);
    room -= grow;
  }
  for (const p of shown.filter((p) => p.bar)) sizes.set(p, Math.min(p.bar!.max + 2, sizes.get(p)! + room));
  const line = shown.map((p) => (p.bar ? drawBar(p.bar.fraction, sizes.get(p)! - 2) : shorten(p.text, sizes.get(p)!))).join(SEPARATOR);
  return line.length > budget ? line.slice(0, budget) : line;
}

function drawBar(fraction: number, cells: number): string {
  const full = Math.round(fraction * cells);
  return `[${BAR_FULL.repeat(full)}${BAR_EMPTY.repeat(cells - full)}]`;
}

function shorten(text: string, size: number): string {
  return text.length <= size ? text : `${text.slice(0, Math.max(0, size - 1))}\u2026`;
}

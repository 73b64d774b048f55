import type { IncomingMessage, ServerResponse } from "node:http";
import { redactSecrets } from "../database/redact";

/**
 * A server-sent event stream of a page's re-rendered sections: read every
 * `everyMs`, sent only when something changed (an idle page costs one ledger
 * read per interval and no traffic), a comment every 15 s keeping proxies from
 * closing it. The read stops with the connection.
 */
export function openStream(
  req: IncomingMessage,
  res: ServerResponse,
  read: () => Promise<Record<string, string>>,
  everyMs: number,
  onError: (error: unknown) => void,
): () => void {
  res.statusCode = 200;
  res.setHeader("Content-Type", "text/event-stream; charset=utf-8");
  res.setHeader("Connection", "keep-alive");
  res.setHeader("X-Accel-Buffering", "no");
  res.flushHeaders?.();
  res.write("retry: 2000\n\n");
  let last = "";
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let sinceSent = 0;
  const tick = async () => {
    if (closed) return;
    try {
      const data = redactSecrets(JSON.stringify({ sections: await read() }));
      if (closed) return;
      if (data !== last) {
        last = data;
        sinceSent = 0;
        res.write(`event: update\ndata: ${data}\n\n`);
      } else if ((sinceSent += everyMs) >= 15_000) {
        sinceSent = 0;
        res.write(": still here\n\n");
      }
    } catch (error) {
      onError(error);
    }
    if (!closed) timer = setTimeout(tick, everyMs);
  };
  const stop = () => {
    closed = true;
    if (timer) clearTimeout(timer);
    if (!res.writableEnded) res.end();
  };
  req.on("close", stop);
  res.on("close", stop);
  void tick();
  return stop;
}

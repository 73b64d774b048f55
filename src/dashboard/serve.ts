import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { UsageError } from "../errors";
import type { Controls } from "./actions";
import { createDashboardHandler } from "./handler";
import type { DashboardServer, ServeDashboardOptions } from "./options";
import { randomToken } from "./security";

export const DEFAULT_PORT = 8384;

/**
 * `data-script ui`: the dashboard on node:http, bound to 127.0.0.1 unless told
 * otherwise, behind a random token (the URL to open carries it once; a session
 * cookie after that).
 */
export async function serveDashboard(options: ServeDashboardOptions = {}, controls?: Controls): Promise<DashboardServer> {
  const { port: givenPort, host: givenHost, token: givenToken, ...rest } = options;
  const port = givenPort === undefined ? DEFAULT_PORT : Number(givenPort);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new UsageError(`--port must be a port number (0-65535), got "${String(givenPort)}"`);
  const host = givenHost ?? "127.0.0.1";
  const token = givenToken ?? randomToken();
  const handler = createDashboardHandler({ ...rest, token }, controls);
  const server = createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(error.code === "EADDRINUSE" ? new UsageError(`port ${port} on ${host} is in use: pass --port <n> (0 picks a free one)`) : error),
    );
    server.listen(port, host, resolve);
  });
  const address = server.address() as AddressInfo;
  const shownHost = host.includes(":") ? `[${host}]` : host === "0.0.0.0" ? "127.0.0.1" : host;
  return {
    url: `http://${shownHost}:${address.port}/?token=${token}`,
    port: address.port,
    host,
    async close() {
      server.closeAllConnections?.();
      await new Promise((resolve) => server.close(resolve));
      await handler.close();
    },
  };
}

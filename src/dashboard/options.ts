import type { IncomingMessage, ServerResponse } from "node:http";
import type { TargetOptions } from "../settings/settings";

/** How the dashboard reaches the app's ledger and scripts, and what it lets a visitor do. */
export interface DashboardOptions extends TargetOptions {
  /** Hide the actions (pause, resume, cancel, revert) and refuse their requests (403). */
  readOnly?: boolean;
  /**
   * A secret every request must carry (`?token=` once, then the session cookie it sets).
   * `data-script ui` sets a random one; an app mounting the handler behind its own
   * authentication leaves it unset.
   */
  token?: string;
  /** Who the ledger records as asking for an action. Default: `dashboard@<host>`; a function can name the app's signed-in user. */
  actor?: string | ((req: IncomingMessage) => string | undefined);
  /** How often a page's live updates read the ledger, ms. Default 1000. */
  refreshMs?: number;
  /** Notices (the embedded server), like the CLI's. */
  log?: (line: string) => void;
}

/**
 * A plain Node request handler: `(req, res)` for node:http, `(req, res, next)` for
 * Express/Connect middleware (mount it with `app.use("/prefix", handler)`: every link
 * and asset is relative, so it works under any prefix).
 */
export interface DashboardHandler {
  (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void): void;
  /** Closes its database connections (and an embedded server it started). */
  close(): Promise<void>;
}

export interface DashboardServer {
  /** The URL to open, with the token. */
  url: string;
  port: number;
  host: string;
  close(): Promise<void>;
}

export interface ServeDashboardOptions extends Omit<DashboardOptions, "token"> {
  /** Default 8384; 0 picks a free port. */
  port?: number | string;
  /** Default 127.0.0.1: only this machine. */
  host?: string;
  /** Default: a random one. */
  token?: string;
}

import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

/**
 * The dashboard's guards. A token (the standalone `ui`'s, like Jupyter's) is
 * given once in the URL and traded for a session cookie (HttpOnly,
 * SameSite=Strict); a state-changing request must be a POST from a page of the
 * dashboard itself: same origin (Origin or Sec-Fetch-Site), and carrying the
 * page's action key in a header, which no cross-site form can send. Every
 * response gets a strict Content-Security-Policy: scripts, styles and
 * connections only from the dashboard's own origin, nothing inline.
 */

export const SESSION_COOKIE = "data_script_session";
export const ACTION_HEADER = "x-data-script-key";

export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join("; ");

export function securityHeaders(res: ServerResponse): void {
  res.setHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY);
  res.setHeader("X-Content-Type-Options", "nosniff");
  res.setHeader("Referrer-Policy", "no-referrer");
  res.setHeader("X-Frame-Options", "DENY");
  res.setHeader("Cache-Control", "no-store");
  res.setHeader("Cross-Origin-Opener-Policy", "same-origin");
  res.setHeader("Cross-Origin-Resource-Policy", "same-origin");
}

export interface Guard {
  /** `ok`; `login` (the token was in the URL: set the cookie, redirect without it); `denied` (401). */
  authenticate(req: IncomingMessage, url: URL): "ok" | "login" | "denied";
  sessionCookie(): string;
  /** The key a page's script sends with each action (in a header). */
  actionKey: string;
  /** Why a POST is refused as cross-site, or undefined. */
  foreignRequest(req: IncomingMessage): string | undefined;
}

/** `secret`: what a mounted dashboard (no token) signs its action key with; shared by the app's processes (dashboard-key.ts). */
export function createGuard(token: string | undefined, secret = token ?? randomBytes(32).toString("hex")): Guard {
  const session = createHmac("sha256", secret).update("session").digest("hex");
  const actionKey = createHmac("sha256", secret).update("action").digest("hex");
  return {
    authenticate(req, url) {
      if (token === undefined) return "ok"; // mounted: the app's own authentication guards it
      const given = url.searchParams.get("token");
      if (given !== null && same(given, token)) return "login";
      const cookie = cookies(req.headers.cookie)[SESSION_COOKIE];
      return cookie !== undefined && same(cookie, session) ? "ok" : "denied";
    },
    sessionCookie: () => `${SESSION_COOKIE}=${session}; HttpOnly; SameSite=Strict; Path=/`,
    actionKey,
    foreignRequest(req) {
      const site = header(req, "sec-fetch-site");
      if (site !== undefined && site !== "same-origin") return `Sec-Fetch-Site is ${site}`;
      const origin = header(req, "origin");
      if (origin === undefined) {
        if (site === undefined) return "no Origin or Sec-Fetch-Site header";
      } else if (!sameOrigin(origin, req)) return `Origin ${origin} is not this dashboard's`;
      const key = header(req, ACTION_HEADER);
      if (key === undefined || !same(key, actionKey)) return "the action key is missing or wrong (reload the page)";
      return undefined;
    },
  };
}

/** The Origin names the host the request was sent to (behind a proxy, the one it forwarded). */
function sameOrigin(origin: string, req: IncomingMessage): boolean {
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    return false;
  }
  const hosts = [header(req, "host"), header(req, "x-forwarded-host")?.split(",")[0].trim()].filter(Boolean);
  return hosts.includes(host);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function cookies(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of (text ?? "").split(";")) {
    const eq = pair.indexOf("=");
    if (eq > 0) out[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
  }
  return out;
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function randomToken(): string {
  return randomBytes(24).toString("base64url");
}

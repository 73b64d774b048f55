import { cancelScript, pauseScript, resumeScript } from "../runtime/control-run";
import type { Controls } from "./actions";
import type { DashboardHandler, DashboardOptions, DashboardServer, ServeDashboardOptions } from "./options";

/**
 * The public API's dashboard entry points. The dashboard's code is loaded on
 * first call, never by importing the package: a run (or any other command)
 * loads none of it.
 */
export function createDashboardHandler(options: DashboardOptions = {}): DashboardHandler {
  const { createDashboardHandler: create } = require("./handler") as typeof import("./handler");
  return create(options, controls());
}

export function serveDashboard(options: ServeDashboardOptions = {}): Promise<DashboardServer> {
  const { serveDashboard: serve } = require("./serve") as typeof import("./serve");
  return serve(options, controls());
}

/** The public API's controls: the dashboard asks for what `data-script pause|resume|cancel` does. */
function controls(): Controls {
  return { pause: pauseScript, resume: resumeScript, cancel: cancelScript };
}

/**
 * `node -r typeorm-data-script/register app.ts`: runs a TypeScript file of the
 * app with the same compile rules as the runner (decorator metadata, tsconfig
 * paths, the compile cache).
 */
import { registerTypeScript } from "./register";

registerTypeScript();

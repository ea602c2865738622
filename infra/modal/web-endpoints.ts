/**
 * The kinds of web endpoint a Modal app serves, as the deployer names them to read their URLs
 * after a deploy (infra/provider/endpoint-urls.ts runs the lookup of each kind).
 *
 * modal 1.6.4 (`.venv/…/modal`):
 * - `function`: an `@app.function` with `@modal.web_server` / `@modal.asgi_app`; its URL is
 *   `web_info.web_url` of `modal function info APP/NAME --json` (cli/function.py:145-209,
 *   types.py:778 `FunctionInfo.WebInfo`);
 * - `method`: a web method of an `@app.cls` class; its URL is `method_details.<name>.web_url` of
 *   `modal function info APP/CLASS.* --json` (the class service function is tagged `CLASS.*`,
 *   cls.py:725; cli/utils.py:287-290 refuses the bare class name);
 * - `server`: an `@app.server` (app.py:1394); its URL is `server_url` of
 *   `modal server info APP/NAME --json` (cli/server.py:670-733, types.py:1047 `ServerInfo`).
 * @module
 */

/** One web endpoint of an app. `name` is also the key of its URL in the ModalApp's `urls`. */
export type WebEndpoint =
  | { kind: "function"; name: string }
  | { kind: "method"; cls: string; name: string }
  | { kind: "server"; name: string };

/** A short human name of an endpoint: `function serve`, `method Server.serve`, `Server Server`. */
export function describeWebEndpoint(e: WebEndpoint): string {
  return e.kind === "method" ? `web method ${e.cls}.${e.name}` : e.kind === "server" ? `Server ${e.name}` : `web function ${e.name}`;
}

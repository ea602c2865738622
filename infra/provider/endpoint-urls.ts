/**
 * Endpoint URLs after a deploy, read from modal's structured output (`--json`), never from the
 * deploy's rich tree: one lookup per kind of web endpoint (infra/modal/web-endpoints.ts), each the
 * modal command that describes that kind and the JSON key that holds its URL (modal 1.6.4:
 * cli/function.py:145-209 `function info`, cli/server.py:670-733 `server info`; shapes in
 * types.py:761-850 `FunctionInfo`, types.py:1033-1071 `ServerInfo`). A new kind adds one entry
 * to {@link URL_LOOKUPS}.

 * @module
 */
import type { WebEndpoint } from "../modal/web-endpoints";
import { describeWebEndpoint } from "../modal/web-endpoints";
import { modalJson, type ModalCliContext } from "./modal-cli";

/** How one kind of endpoint's URL is read: the modal arguments, and the URL in their JSON. */
interface UrlLookup<E extends WebEndpoint> {
  args(appName: string, e: E): string[];
  /** The URL, or undefined when the JSON holds none (modal prints `""` for a not yet hydrated URL, types.py:779). */
  url(json: unknown, e: E): string | undefined;
  /** The JSON key path read, for messages: `web_info.web_url`. */
  key(e: E): string;
}

const str = (v: unknown) => (typeof v === "string" && v.length > 0 ? v : undefined);
const field = (v: unknown, k: string): unknown => (v !== null && typeof v === "object" ? (v as Record<string, unknown>)[k] : undefined);

/** The lookup of each kind of web endpoint. */
export const URL_LOOKUPS: { [K in WebEndpoint["kind"]]: UrlLookup<Extract<WebEndpoint, { kind: K }>> } = {
  function: {
    args: (app, e) => ["function", "info", `${app}/${e.name}`, "--json"],
    url: (json) => str(field(field(json, "web_info"), "web_url")),
    key: () => "web_info.web_url",
  },
  method: {
    args: (app, e) => ["function", "info", `${app}/${e.cls}.*`, "--json"],
    url: (json, e) => str(field(field(field(json, "method_details"), e.name), "web_url")),
    key: (e) => `method_details.${e.name}.web_url`,
  },
  server: {
    args: (app, e) => ["server", "info", `${app}/${e.name}`, "--json"],
    url: (json) => str(field(json, "server_url")),
    key: () => "server_url",
  },
};

/** The modal command line that reads `e`'s URL (as shown in messages), e.g. `modal function info qcm-coder/serve --json`. */
export function urlCommand(appName: string, e: WebEndpoint): string {
  return ["modal", ...(URL_LOOKUPS[e.kind] as UrlLookup<WebEndpoint>).args(appName, e)].join(" ");
}

/**
 * Reads the URL of every endpoint of a deployed app, one modal call per endpoint (a class's
 * methods share one call).
 * @returns URL per endpoint name.
 * @throws ModalCliError when a lookup fails (naming its command and exit code); Error (plain) when
 *   modal answers with no URL for an endpoint (naming the command, the endpoint and the JSON key).
 */
export async function readEndpointUrls(ctx: ModalCliContext, appName: string, endpoints: readonly WebEndpoint[], timeoutSeconds = 120): Promise<Record<string, string>> {
  const urls: Record<string, string> = {};
  const answers = new Map<string, unknown>();
  for (const e of endpoints) {
    const lookup = URL_LOOKUPS[e.kind] as UrlLookup<WebEndpoint>;
    const args = lookup.args(appName, e);
    const id = args.join(" ");
    if (!answers.has(id)) answers.set(id, (await modalJson(ctx, args, timeoutSeconds)).json);
    const url = lookup.url(answers.get(id), e);
    if (!url) {
      const command = [urlCommand(appName, e), ...(ctx.environment ? ["-e", ctx.environment] : [])].join(" ");
      throw new Error(`\`${command}\` reported no URL for the ${describeWebEndpoint(e)} of ${appName} (${lookup.key(e)} is empty or missing)`);
    }
    urls[e.name] = url;
  }
  return urls;
}

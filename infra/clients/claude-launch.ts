/**
 * The Claude Code launcher: `claude` with the coder as its model, through vLLM's Anthropic
 * Messages API (`POST /v1/messages` at the endpoint root).
 *
 * Environment variables read by Claude Code 2.1.x (docs: code.claude.com/docs/en/settings#environment-variables,
 * and the names found in the 2.1.330 binary):
 * - `ANTHROPIC_BASE_URL`: API root (the client appends `/v1/messages`).
 * - `ANTHROPIC_CUSTOM_HEADERS`: extra headers, one `Name: value` per line: the proxy-auth pair, and
 *   on a Modal Server (`serving: "server"`) `Modal-Session-ID: <one id per launch>`
 *   (contract/src/session-affinity.ts).
 * - `ANTHROPIC_AUTH_TOKEN`: sent as `Authorization: Bearer`; vLLM checks none, so a placeholder.
 *   `ANTHROPIC_API_KEY` is removed so a real Anthropic key never goes to the endpoint.
 * - `ANTHROPIC_MODEL`, `ANTHROPIC_DEFAULT_{OPUS,SONNET,HAIKU}_MODEL`, `ANTHROPIC_SMALL_FAST_MODEL`
 *   (older name of the Haiku one), `CLAUDE_CODE_SUBAGENT_MODEL`: every model slot → the coder.
 * - `CLAUDE_CODE_MAX_CONTEXT_TOKENS`, `CLAUDE_CODE_AUTO_COMPACT_WINDOW`: the coder's window, as
 *   Claude Code does not know the model's.
 * - `ENABLE_TOOL_SEARCH=false`: at a base URL that is not Anthropic's, Claude Code otherwise defers
 *   MCP tools behind its ToolSearch tool; this keeps vlm-analyzer's tools in the request's `tools`.
 * - `CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1`: no telemetry, error reporting or update checks.
 * - `MCP_CONNECTION_NONBLOCKING=0`: wait for the MCP servers (vlm-analyzer) to connect before the
 *   first request. Claude Code 2.1.330 connects them in the background by default
 *   (`MCP_CONNECTION_NONBLOCKING !== false` in its binary), so on a busy machine the first turn of
 *   `claude -p` went out without vlm-analyzer's tools.
 * - `CLAUDE_CODE_ATTRIBUTION_HEADER=false`: Claude Code otherwise puts an
 *   `x-anthropic-billing-header: cc_version=…; …` line at the start of the system prompt, which
 *   changes per conversation and so defeats vLLM's prefix cache for everything after it.
 *
 * The launcher leaves tool permissions to Claude Code, except for the documented opt-in
 * `--allow-vlm-tools`, which pre-approves vlm-analyzer's three read-only tools
 * ({@link VLM_TOOL_NAMES}) with `--allowedTools`: headless `claude -p` refuses tools nobody approved.
 * @module
 */
import { isServerEndpoint, newSessionId, SESSION_ID_ENV, sessionHeaders, VLM_ANALYZER_SERVER_NAME, type Endpoint } from "@qwen-code-modal/contract";
import { proxyAuthHeaders } from "../endpoints/credentials";
import type { ClientContext } from "../endpoints/context";
import type { LaunchSpec } from "./qwen-launch";

/** `Authorization` token sent to the coder: not a secret, vLLM runs without `--api-key`. */
export const CLAUDE_AUTH_PLACEHOLDER = "modal-proxy-auth";

/** The Claude Code environment pointing every model slot at the coder. */
export function claudeEnvironment(context: ClientContext, coder: Endpoint): NodeJS.ProcessEnv {
  const sessionId = newSessionId();
  const headers = Object.entries({ ...proxyAuthHeaders(context.credentials), ...sessionHeaders(coder, sessionId) })
    .map(([name, value]) => `${name}: ${value}`)
    .join("\n");
  const env: NodeJS.ProcessEnv = {
    ...context.env,
    ANTHROPIC_BASE_URL: coder.url,
    ANTHROPIC_CUSTOM_HEADERS: headers,
    ANTHROPIC_AUTH_TOKEN: CLAUDE_AUTH_PLACEHOLDER,
    ANTHROPIC_MODEL: coder.model,
    ANTHROPIC_DEFAULT_OPUS_MODEL: coder.model,
    ANTHROPIC_DEFAULT_SONNET_MODEL: coder.model,
    ANTHROPIC_DEFAULT_HAIKU_MODEL: coder.model,
    ANTHROPIC_SMALL_FAST_MODEL: coder.model,
    CLAUDE_CODE_SUBAGENT_MODEL: coder.model,
    CLAUDE_CODE_MAX_CONTEXT_TOKENS: String(coder.maxModelLen),
    CLAUDE_CODE_AUTO_COMPACT_WINDOW: String(coder.maxModelLen),
    ENABLE_TOOL_SEARCH: "false",
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
    MCP_CONNECTION_NONBLOCKING: "0",
    CLAUDE_CODE_ATTRIBUTION_HEADER: "false",
    // The same id for vlm-analyzer, which Claude Code starts with this environment.
    ...(isServerEndpoint(coder) ? { [SESSION_ID_ENV]: sessionId } : {}),
  };
  delete env.ANTHROPIC_API_KEY;
  return env;
}

/**
 * vlm-analyzer's tools as Claude Code names MCP tools (`mcp__<server>__<tool>`); all three only
 * read images (annotations `readOnlyHint: true`).
 */
export const VLM_TOOL_NAMES = ["analyze_image", "analyze_screenshot", "compare_images"].map((t) => `mcp__${VLM_ANALYZER_SERVER_NAME}__${t}`);

/**
 * The `claude` command line: the user's arguments, then, with `allowVlmTools`,
 * `--allowedTools <the three vlm tools>` (last, so that the variadic option cannot swallow a prompt).
 */
export function claudeLaunchSpec(
  context: ClientContext,
  coder: Endpoint,
  claudeBin: string,
  userArgs: string[],
  options: { allowVlmTools?: boolean } = {},
): LaunchSpec {
  const args = options.allowVlmTools ? [...userArgs, "--allowedTools", VLM_TOOL_NAMES.join(",")] : userArgs;
  return { command: claudeBin, args, env: claudeEnvironment(context, coder) };
}

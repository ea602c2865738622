/**
 * Session affinity on a Modal Server: every request of one agent session carries the same
 * `Modal-Session-ID`, and Modal's routing proxy hashes it to keep the session on one container,
 * where the session's growing context is already in vLLM's prefix cache. Best effort: "the routing
 * proxy hashes a Modal-Session-ID header to bias requests toward a container, but that container can
 * still be scaled down or replaced at any time" (modal.com/docs/guide/sticky-sessions); rendezvous
 * hashing, so scaling moves few sessions (modal.com/docs/examples/server_sticky).
 *
 * Only an endpoint deployed with `serving: "server"` gets the header: a Web Function
 * (`serving: "web_server"`) has no such router, and its clients send exactly what they sent before.
 * @module
 */
import { randomUUID } from "node:crypto";
import type { Endpoint } from "./endpoint-config.js";

/** The affinity header of Modal Servers' router (modal.com/docs/guide/sticky-sessions). */
export const SESSION_ID_HEADER = "Modal-Session-ID";

/**
 * The environment variable a launcher (`qodal`, `claude`) sets to the session id of one agent
 * launch: qwen-code's settings reference it as `${QCM_SESSION_ID}` in the coder's custom headers,
 * and the `vlm-analyzer` server the agent starts uses it when it inherits it.
 */
export const SESSION_ID_ENV = "QCM_SESSION_ID";

/** A new session id: `qcm-` and a random UUID (no user or machine data in it). */
export function newSessionId(): string {
  return `qcm-${randomUUID()}`;
}

/** Whether an endpoint is a Modal Server (the endpoint config's `serving`; absent means a Web Function). */
export function isServerEndpoint(endpoint: Pick<Endpoint, "serving">): boolean {
  return endpoint.serving === "server";
}

/**
 * The affinity header for one session's requests to `endpoint`: `{ "Modal-Session-ID": id }` on a
 * Modal Server, nothing on a Web Function.
 */
export function sessionHeaders(endpoint: Pick<Endpoint, "serving">, sessionId: string): Record<string, string> {
  return isServerEndpoint(endpoint) ? { [SESSION_ID_HEADER]: sessionId } : {};
}

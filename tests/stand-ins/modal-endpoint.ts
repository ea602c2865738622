/**
 * A deployed endpoint as clients meet it: the vLLM endpoint stand-in behind the Modal gateway
 * stand-in (`./modal-gateway.ts`), which does the proxy auth. Client tests use this so every
 * request they make passes the gateway's 401, cold start, 303 and scale-to-zero behaviour.
 *
 * ```ts
 * const coder = await startModalEndpointStandIn({ model: "qwen3-coder-next" }, { coldStartMs: 2000, requestLimitMs: 500 });
 * coder.url; coder.baseUrl;            // the gateway's
 * coder.requests; coder.setFault(...); // the vLLM stand-in's, as before
 * coder.gateway.stats.redirects;
 * await coder.close();                 // both
 * ```
 * @module
 */
import { startModalGateway, type GatewayOptions, type ModalGatewayStandIn } from "./modal-gateway.js";
import { startVllmStandIn, type StandInOptions, type VllmStandIn } from "./vllm-endpoint.js";

/** A vLLM stand-in reached through a gateway stand-in. */
export interface ModalEndpointStandIn extends VllmStandIn {
  gateway: ModalGatewayStandIn;
  /** The vLLM stand-in itself (its own `url` bypasses the gateway). */
  vllm: VllmStandIn;
}

/** Default proxy token, as the vLLM stand-in's default. */
const DEFAULT_TOKEN = { tokenId: "stand-in-id", tokenSecret: "stand-in-secret" };

/**
 * Starts both. `vllm.proxyAuth` (default `stand-in-id` / `stand-in-secret`, `false` for a public
 * endpoint) becomes the gateway's proxy token; the vLLM stand-in behind it checks none.
 * @param gateway - gateway options (default: no cold start delay, Modal's 150 s limit, 300 s idle).
 */
export async function startModalEndpointStandIn(
  vllm: StandInOptions = {},
  gateway: Omit<GatewayOptions, "upstream" | "proxyToken"> = {},
): Promise<ModalEndpointStandIn> {
  const proxyToken = vllm.proxyAuth ?? DEFAULT_TOKEN;
  const inner = await startVllmStandIn({ ...vllm, proxyAuth: false });
  const front = await startModalGateway({ ...gateway, upstream: inner.url, proxyToken });
  return {
    ...inner,
    url: front.url,
    baseUrl: front.baseUrl,
    gateway: front,
    vllm: inner,
    close: async () => {
      await front.close();
      await inner.close();
    },
  };
}

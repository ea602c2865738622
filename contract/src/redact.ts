/**
 * Keeps credentials out of everything printed, thrown or logged: the deployer's modal CLI output
 * and the MCP server's error excerpts. No imports, so that Pulumi's closure serializer can copy it
 * into the provider by value (the provider imports it by its own subpath, `@qwen-code-modal/contract/redact`).
 * @module
 */

/** Environment variables whose values are secrets. */
export const SECRET_ENV_VARS = ["MODAL_TOKEN_ID", "MODAL_TOKEN_SECRET", "MODAL_PROXY_TOKEN_ID", "MODAL_PROXY_TOKEN_SECRET", "HF_TOKEN"] as const;

/**
 * Token shapes: Modal token ids/secrets (`ak-`/`as-`), proxy tokens (`wk-`/`ws-`),
 * Hugging Face tokens (`hf_`).
 */
const TOKEN_SHAPES = /\b(?:ak|as|wk|ws)-[A-Za-z0-9]{10,}\b|\bhf_[A-Za-z0-9]{10,}\b/g;

/**
 * Replaces every known secret value, and anything shaped like a token, with `[redacted]`.
 * @param secrets - literal secret values to remove (empty ones are ignored).
 */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join("[redacted]");
  return out.replace(TOKEN_SHAPES, "[redacted]");
}

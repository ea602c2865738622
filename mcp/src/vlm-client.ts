/**
 * Calls the VLM's OpenAI-compatible `POST {baseUrl}/chat/completions` with undici, sending the
 * Modal proxy-auth headers, and rides out a cold start: 502/503/504 answers and connection errors
 * are retried with exponential backoff until the call's total timeout, while progress is reported.
 *
 * A Modal web endpoint that is scaled to zero either holds the request until a container is up or
 * answers 503 / drops the connection while it starts (source: modal.com/docs/guide/cold-start);
 * both are handled by waiting up to the timeout.
 * @module
 */
import { Agent, errors as undiciErrors, request } from "undici";
import { redact, type AssistantMessage } from "@qwen-code-modal/contract";
import type { ServerConfig } from "./config.js";
import { PROXY_AUTH_HEADERS } from "@qwen-code-modal/contract";
import { ToolFailure } from "./errors.js";
import { sleep } from "./abortable-sleep.js";

/** Statuses that mean "not ready yet" on Modal: bad gateway, unavailable, gateway timeout. */
const RETRY_STATUSES = new Set([502, 503, 504]);
/** Time kept for the last attempt before the deadline, milliseconds: a backoff never eats into it. */
const LAST_ATTEMPT_MS = 500;

/** First retry delay, milliseconds; doubles each time up to {@link MAX_BACKOFF_MS}. */
const FIRST_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 10_000;
/** How often progress is reported while a request is outstanding, milliseconds. */
const PROGRESS_INTERVAL_MS = 2_000;
/** Characters of an error body quoted in a message. */
const EXCERPT_CHARS = 300;

/** One progress report while waiting for the endpoint. */
export interface WaitProgress {
  /** Seconds since the call started. */
  elapsedSeconds: number;
  /** The call's total timeout, seconds. */
  totalSeconds: number;
  /** Human-readable state, e.g. `waiting for the VLM endpoint (attempt 3, last: HTTP 503)`. */
  message: string;
}

/** Per-call options. */
export interface CallOptions {
  /** Aborts the call (e.g. the MCP request was cancelled). */
  signal?: AbortSignal;
  /** Called on each retry and every 2 s while waiting. */
  onProgress?: (p: WaitProgress) => void;
}

/** The OpenAI chat-completions request body this server sends. */
export interface ChatCompletionBody {
  model: string;
  messages: unknown[];
  max_tokens: number;
}

/** The parts of a chat completion this server reads. */
export interface ChatCompletion {
  message: AssistantMessage;
  /** `stop`, `length`, ... */
  finishReason: string | null;
}

/** Connection pool shared by all calls; undici's own header/body timeouts are off, the call deadline rules. */
const dispatcher = new Agent({ headersTimeout: 0, bodyTimeout: 0, connections: 32 });

function excerpt(text: string, config: ServerConfig): string {
  const flat = redact(text, [config.tokenId, config.tokenSecret]).replace(/\s+/g, " ").trim();
  return flat.length > EXCERPT_CHARS ? `${flat.slice(0, EXCERPT_CHARS)}…` : flat || "(empty body)";
}

/** Whether an error from undici means "could not connect / connection dropped" (worth retrying). */
function isConnectionError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code ?? "";
  return (
    err instanceof undiciErrors.SocketError ||
    err instanceof undiciErrors.ConnectTimeoutError ||
    ["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN", "UND_ERR_SOCKET"].includes(code)
  );
}


/** Thrown inside the retry loop for an answer worth another attempt. */
class Retryable extends Error {}

/**
 * Sends one chat completion and returns the first choice.
 * @throws ToolFailure for every failure (auth, HTTP error, timeout, cancellation, bad response),
 * with a message that never contains the proxy-auth secrets.
 */
export async function createChatCompletion(
  config: ServerConfig,
  body: ChatCompletionBody,
  options: CallOptions = {},
): Promise<ChatCompletion> {
  const url = `${config.baseUrl}/chat/completions`;
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;
  const deadline = AbortSignal.timeout(config.timeoutSeconds * 1000);
  const signal = options.signal ? AbortSignal.any([options.signal, deadline]) : deadline;
  const payload = JSON.stringify(body);
  let attempt = 0;
  let last = "no answer yet";
  const report = () =>
    options.onProgress?.({
      elapsedSeconds: elapsed(),
      totalSeconds: config.timeoutSeconds,
      message: `waiting for the VLM endpoint (attempt ${attempt}, last: ${last}); a cold start can take minutes`,
    });
  const ticker = setInterval(report, PROGRESS_INTERVAL_MS);
  try {
    for (;;) {
      attempt += 1;
      try {
        return await attemptOnce(url, payload, config, signal);
      } catch (err) {
        if (signal.aborted) throw err;
        if (err instanceof Retryable) last = err.message;
        else if (isConnectionError(err)) last = `connection error ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`;
        else throw err;
      }
      report();
      const backoff = Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** (attempt - 1)) * (0.8 + Math.random() * 0.4);
      // Never sleep through the deadline: the last attempt starts while time is left for it.
      const remainingMs = config.timeoutSeconds * 1000 - (performance.now() - started);
      await sleep(Math.max(0, Math.min(backoff, remainingMs - LAST_ATTEMPT_MS)), signal);
    }
  } catch (err) {
    if (options.signal?.aborted) throw new ToolFailure(`cancelled after ${elapsed().toFixed(1)} s`);
    if (deadline.aborted) {
      throw new ToolFailure(
        `no answer from the VLM endpoint ${url} within ${config.timeoutSeconds} s (VLM_TIMEOUT) after ${attempt} attempt(s); ` +
          `last: ${last}. It may still be starting (cold start) or be stuck: try again, raise VLM_TIMEOUT, ` +
          `or check the deployment's logs`,
      );
    }
    if (err instanceof ToolFailure) throw err;
    if (isConnectionError(err)) throw new ToolFailure(`cannot reach the VLM endpoint ${url}: ${last}`);
    throw new ToolFailure(`calling the VLM endpoint ${url} failed: ${redact((err as Error).message, [config.tokenId, config.tokenSecret])}`);
  } finally {
    clearInterval(ticker);
  }
}

/** One HTTP attempt; throws Retryable for 502/503/504. */
async function attemptOnce(url: string, payload: string, config: ServerConfig, signal: AbortSignal): Promise<ChatCompletion> {
  const res = await request(url, {
    method: "POST",
    dispatcher,
    signal,
    headers: {
      "content-type": "application/json",
      accept: "application/json",
      [PROXY_AUTH_HEADERS.tokenId]: config.tokenId,
      [PROXY_AUTH_HEADERS.tokenSecret]: config.tokenSecret,
    },
    body: payload,
  });
  const text = await res.body.text();
  if (RETRY_STATUSES.has(res.statusCode)) throw new Retryable(`HTTP ${res.statusCode}`);
  if (res.statusCode === 401 || res.statusCode === 403) {
    throw new ToolFailure(
      `the VLM endpoint answered HTTP ${res.statusCode}: the Modal proxy tokens are wrong or missing. ` +
        `Set MODAL_PROXY_TOKEN_ID and MODAL_PROXY_TOKEN_SECRET (or the variables your endpoint config names) ` +
        `in the server's environment to a proxy-auth token of the workspace that owns the endpoint`,
    );
  }
  if (res.statusCode !== 200) {
    throw new ToolFailure(`the VLM endpoint answered HTTP ${res.statusCode}: ${excerpt(text, config)}`);
  }
  let choice: { message?: AssistantMessage; finish_reason?: string | null } | undefined;
  try {
    choice = (JSON.parse(text) as { choices?: (typeof choice)[] }).choices?.[0];
  } catch {
    throw new ToolFailure(`the VLM endpoint answered 200 but not with JSON: ${excerpt(text, config)}`);
  }
  if (!choice?.message) throw new ToolFailure(`the VLM endpoint's answer has no choices[0].message: ${excerpt(text, config)}`);
  return { message: choice.message, finishReason: choice.finish_reason ?? null };
}

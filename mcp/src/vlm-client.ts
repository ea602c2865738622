/**
 * Calls the VLM's OpenAI-compatible `POST {baseUrl}/chat/completions` through Modal's gateway,
 * sending the proxy-auth headers, and gets the answer home whatever the gateway does meanwhile:
 *
 * - **Streamed.** The request asks for a streamed completion (`stream: true`): vLLM sends the
 *   response headers at once and then the tokens, so a long answer (a Thinking model's 8,192
 *   tokens) is under way well before Modal's 150 s limit, and progress can show the tokens as
 *   they arrive. The answer is assembled from the `chat.completion.chunk` deltas.
 * - **303 → result URL.** A request Modal holds past 150 s (a cold start) is answered 303 to a
 *   result URL; `requestThroughGateway` follows it with the proxy headers within VLM_TIMEOUT
 *   (modal.com/docs/guide/webhook-timeouts).
 * - **Cold start vs dead endpoint.** 502/503/504 and dropped connections are retried with
 *   backoff (floor 1 s, no busy loop) until VLM_TIMEOUT; a refused connection or DNS failure to a
 *   `*.modal.run` host fails at once with what to check (see contract/src/modal-http.ts).
 * @module
 */
import { createParser } from "eventsource-parser";
import { Agent } from "undici";
import type { ServerConfig } from "./config.js";
import { ToolFailure } from "./errors.js";
import {
  classifyNetworkError,
  redact,
  type AssistantMessage,
  COLD_START_STATUSES,
  PROXY_AUTH_HEADERS,
  SESSION_ID_HEADER,
  GatewayRedirectError,
  isNetworkError,
  MODAL_REQUEST_LIMIT_SECONDS,
  requestThroughGateway,
  retryDelayMs,
} from "@qwen-code-modal/contract";
import { sleep } from "./abortable-sleep.js";

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
  /**
   * Human-readable state, e.g. `waiting for the VLM endpoint (attempt 3, last: HTTP 503)` or
   * `receiving the answer: 412 tokens so far (reasoning)`.
   */
  message: string;
}

/** Per-call options. */
export interface CallOptions {
  /** Aborts the call (e.g. the MCP request was cancelled). */
  signal?: AbortSignal;
  /** Called on each retry and redirect, and every 2 s while waiting or receiving. */
  onProgress?: (p: WaitProgress) => void;
}

/** The OpenAI chat-completions request body this server sends (streaming is added by the client). */
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


/** Thrown inside the retry loop for an answer worth another attempt. */
class Retryable extends Error {}

/** What the call is doing, for progress and the final message. */
interface CallState {
  attempt: number;
  /** The last thing that went wrong or happened, e.g. `HTTP 503`. */
  last: string;
  /** Set while an answer streams in. */
  receiving?: { tokens: number; phase: "reasoning" | "answer" };
}

function describeState(state: CallState): string {
  if (state.receiving) return `receiving the answer: ${state.receiving.tokens} tokens so far (${state.receiving.phase})`;
  return `waiting for the VLM endpoint (attempt ${state.attempt}, last: ${state.last}); a cold start can take minutes`;
}

/**
 * Sends one chat completion and returns the first choice.
 * @throws ToolFailure for every failure (auth, HTTP error, dead endpoint, timeout, cancellation,
 * bad response), with a message that never contains the proxy-auth secrets.
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
  const payload = JSON.stringify({ ...body, stream: true, stream_options: { include_usage: true } });
  const state: CallState = { attempt: 0, last: "no answer yet" };
  const report = () => options.onProgress?.({ elapsedSeconds: elapsed(), totalSeconds: config.timeoutSeconds, message: describeState(state) });
  const timedOut = () =>
    new ToolFailure(
      `no answer from the VLM endpoint ${url} within ${config.timeoutSeconds} s (VLM_TIMEOUT) after ${state.attempt} attempt(s); ` +
        `last: ${state.receiving ? describeState(state) : state.last}. ` +
        (/^cannot connect/.test(state.last)
          ? "Nothing accepted the connection: check that the endpoint is running and that the URL is right"
          : "It may still be starting (cold start) or be stuck: try again, raise VLM_TIMEOUT, or check the deployment's logs"),
    );
  const ticker = setInterval(report, PROGRESS_INTERVAL_MS);
  try {
    for (;;) {
      state.attempt += 1;
      state.receiving = undefined;
      try {
        return await attemptOnce(url, payload, config, signal, state, report);
      } catch (err) {
        if (signal.aborted) throw err;
        if (err instanceof Retryable) state.last = err.message;
        else if (isNetworkError(err)) {
          const failure = classifyNetworkError(url, err);
          if (failure.final) throw new ToolFailure(`cannot reach the VLM endpoint ${url}: ${failure.message}`);
          state.last = failure.message;
        } else throw err;
      }
      state.receiving = undefined;
      report();
      const delay = retryDelayMs(state.attempt, config.timeoutSeconds * 1000 - (performance.now() - started));
      if (delay === undefined) throw timedOut();
      await sleep(delay, signal);
    }
  } catch (err) {
    if (options.signal?.aborted) throw new ToolFailure(`cancelled after ${elapsed().toFixed(1)} s`);
    if (deadline.aborted) throw timedOut();
    if (err instanceof ToolFailure) throw err;
    if (err instanceof GatewayRedirectError) throw new ToolFailure(`the VLM endpoint ${url}: ${err.message}`);
    throw new ToolFailure(`calling the VLM endpoint ${url} failed: ${redact((err as Error).message, [config.tokenId, config.tokenSecret])}`);
  } finally {
    clearInterval(ticker);
  }
}

/** One HTTP attempt (following 303s); throws Retryable for 502/503/504 or a stream cut short. */
async function attemptOnce(
  url: string,
  payload: string,
  config: ServerConfig,
  signal: AbortSignal,
  state: CallState,
  report: () => void,
): Promise<ChatCompletion> {
  const res = await requestThroughGateway(url, {
    method: "POST",
    dispatcher,
    signal,
    headers: {
      "content-type": "application/json",
      accept: "text/event-stream, application/json",
      [PROXY_AUTH_HEADERS.tokenId]: config.tokenId,
      [PROXY_AUTH_HEADERS.tokenSecret]: config.tokenSecret,
      ...(config.sessionId ? { [SESSION_ID_HEADER]: config.sessionId } : {}),
    },
    body: payload,
    onResultUrl: (hop) => {
      state.last = `held by Modal past its ${MODAL_REQUEST_LIMIT_SECONDS} s limit (cold start or queue), following the result URL (303 #${hop})`;
      report();
    },
  });
  if (COLD_START_STATUSES.has(res.statusCode)) {
    await res.body.dump();
    throw new Retryable(`HTTP ${res.statusCode}`);
  }
  if (res.statusCode === 401 || res.statusCode === 403) {
    await res.body.dump();
    throw new ToolFailure(
      `the VLM endpoint answered HTTP ${res.statusCode}: the Modal proxy tokens are wrong or missing. ` +
        `Set MODAL_PROXY_TOKEN_ID and MODAL_PROXY_TOKEN_SECRET (or the variables your endpoint config names) ` +
        `in the server's environment to a proxy-auth token of the workspace that owns the endpoint`,
    );
  }
  if (res.statusCode !== 200) {
    throw new ToolFailure(`the VLM endpoint answered HTTP ${res.statusCode}: ${excerpt(await res.body.text(), config)}`);
  }
  const type = String(res.headers["content-type"] ?? "");
  if (!type.includes("text/event-stream")) return parseWhole(await res.body.text(), config);
  state.receiving = { tokens: 0, phase: "reasoning" };
  return readStream(res.body, config, state.receiving);
}

/** A non-streamed `chat.completion` body (a server that ignored `stream`). */
function parseWhole(text: string, config: ServerConfig): ChatCompletion {
  let choice: { message?: AssistantMessage; finish_reason?: string | null } | undefined;
  try {
    choice = (JSON.parse(text) as { choices?: (typeof choice)[] }).choices?.[0];
  } catch {
    throw new ToolFailure(`the VLM endpoint answered 200 but not with JSON: ${excerpt(text, config)}`);
  }
  if (!choice?.message) throw new ToolFailure(`the VLM endpoint's answer has no choices[0].message: ${excerpt(text, config)}`);
  return { message: choice.message, finishReason: choice.finish_reason ?? null };
}

/** One `chat.completion.chunk` (or vLLM's mid-stream error object). */
interface Chunk {
  choices?: { delta?: { content?: string | null; reasoning_content?: string | null; reasoning?: string | null }; finish_reason?: string | null }[];
  error?: { message?: string };
}

/**
 * Assembles a streamed completion from its server-sent events, counting tokens into `progress`.
 * @throws ToolFailure for an error event or a chunk that is not JSON; Retryable when the stream
 * ends before a `finish_reason` (the connection dropped mid-answer).
 */
async function readStream(
  body: AsyncIterable<Buffer>,
  config: ServerConfig,
  progress: { tokens: number; phase: "reasoning" | "answer" },
): Promise<ChatCompletion> {
  let content = "";
  let reasoning = "";
  let finishReason: string | null = null;
  let problem: Error | undefined;
  const parser = createParser({
    onEvent(event) {
      if (problem || event.data === "[DONE]") return;
      let chunk: Chunk;
      try {
        chunk = JSON.parse(event.data) as Chunk;
      } catch {
        problem = new ToolFailure(`the VLM endpoint's stream has a chunk that is not JSON: ${excerpt(event.data, config)}`);
        return;
      }
      if (chunk.error) {
        problem = new ToolFailure(`the VLM endpoint failed while answering: ${excerpt(chunk.error.message ?? JSON.stringify(chunk.error), config)}`);
        return;
      }
      for (const choice of chunk.choices ?? []) {
        const delta = choice.delta ?? {};
        const thought = delta.reasoning_content ?? delta.reasoning ?? "";
        if (thought) reasoning += thought;
        if (delta.content) {
          content += delta.content;
          if (!content.includes("<think>") || content.includes("</think>")) progress.phase = "answer";
        }
        if (thought || delta.content) progress.tokens += 1;
        finishReason = choice.finish_reason ?? finishReason;
      }
    },
  });
  const decoder = new TextDecoder();
  for await (const bytes of body) {
    parser.feed(decoder.decode(bytes, { stream: true }));
    if (problem) throw problem;
  }
  parser.feed(decoder.decode());
  if (problem) throw problem;
  if (finishReason === null) throw new Retryable(`the answer stream broke off after ${progress.tokens} tokens`);
  return { message: { content, reasoning_content: reasoning || null }, finishReason };
}

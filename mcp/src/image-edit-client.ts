/**
 * The image-edit deployment's job API (rendered by infra/render/image_edit_runtime.py): submit with
 * `POST /v1/jobs`, poll `GET /v1/jobs/{id}` for step progress, download `GET /v1/jobs/{id}/result`,
 * then `DELETE /v1/jobs/{id}` so the result file is removed at once rather than at expiry. Every
 * request goes through the contract's gateway client (contract/src/modal-http.ts): it carries the
 * Modal proxy-auth headers, follows Modal's 303 to the result URL (a submit held past Modal's
 * 150 s limit while the web function starts), retries a 502/503/504 or a dropped connection with
 * the contract's backoff until the edit's deadline, and stops at once where retrying cannot help
 * (a refused or unresolvable `*.modal.run` host).
 * @module
 */
import { Agent } from "undici";
import type { ServerConfig } from "./config.js";
import {
  classifyNetworkError,
  COLD_START_STATUSES,
  GatewayRedirectError,
  isNetworkError,
  PROXY_AUTH_HEADERS,
  redact,
  requestThroughGateway,
  retryDelayMs,
} from "@qwen-code-modal/contract";
import { ToolFailure } from "./errors.js";
import type { ImageEditConfig } from "./image-edit-config.js";
import { sleep } from "./abortable-sleep.js";

/** A job as `GET /v1/jobs/{id}` reports it. */
export interface EditJob {
  id: string;
  status: "queued" | "running" | "succeeded" | "failed";
  /** Denoising steps done, and in total. */
  step: number;
  steps: number;
  error?: string;
}

/** What the tool sends: images as base64, optional steps and seed. */
export interface EditRequest {
  prompt: string;
  images: string[];
  steps?: number;
  seed?: number;
}

/** How often the job is polled, milliseconds. */
export const POLL_INTERVAL_MS = 1_000;
const dispatcher = new Agent({ headersTimeout: 0, bodyTimeout: 0, connections: 8 });

/** One client per tool call: the deployment, the proxy tokens and the call's deadline/cancellation. */
export class ImageEditClient {
  /** When the edit's time (IMAGE_EDIT_TIMEOUT) is up, `performance.now()` milliseconds. */
  private readonly deadlineMs: number;

  constructor(
    private readonly edit: ImageEditConfig,
    private readonly auth: Pick<ServerConfig, "tokenId" | "tokenSecret">,
    private readonly signal: AbortSignal,
  ) {
    this.deadlineMs = performance.now() + edit.timeoutSeconds * 1000;
  }

  private redact(text: string): string {
    return redact(text, [this.auth.tokenId, this.auth.tokenSecret]);
  }

  /**
   * One request through the gateway, retried while the endpoint is starting; returns the status and
   * body of the first other answer.
   * @throws ToolFailure for a host retrying cannot reach, a redirect not followed, or no time left for another attempt.
   */
  private async call(method: "GET" | "POST" | "DELETE", path: string, body?: unknown): Promise<{ status: number; body: Buffer; type: string }> {
    const url = `${this.edit.url}${path}`;
    let last = "no answer yet";
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await requestThroughGateway(url, {
          method,
          dispatcher,
          signal: this.signal,
          headers: {
            ...(body === undefined ? {} : { "content-type": "application/json" }),
            [PROXY_AUTH_HEADERS.tokenId]: this.auth.tokenId,
            [PROXY_AUTH_HEADERS.tokenSecret]: this.auth.tokenSecret,
          },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        const data = Buffer.from(await res.body.arrayBuffer());
        if (!COLD_START_STATUSES.has(res.statusCode)) return { status: res.statusCode, body: data, type: String(res.headers["content-type"] ?? "") };
        last = `HTTP ${res.statusCode}`;
      } catch (err) {
        if (this.signal.aborted) throw err;
        if (err instanceof GatewayRedirectError) throw new ToolFailure(`the image-edit endpoint ${this.edit.url}: ${err.message}`);
        if (!isNetworkError(err)) throw err;
        const failure = classifyNetworkError(url, err);
        if (failure.final) throw new ToolFailure(`cannot reach the image-edit endpoint ${this.edit.url}: ${failure.message}`);
        last = failure.message;
      }
      const delay = retryDelayMs(attempt, this.deadlineMs - performance.now());
      if (delay === undefined) {
        throw new ToolFailure(`the image-edit endpoint ${this.edit.url} did not answer ${method} ${path} within ${this.edit.timeoutSeconds} s (IMAGE_EDIT_TIMEOUT); last: ${last}`);
      }
      await sleep(delay, this.signal);
    }
  }

  private fail(what: string, status: number, body: Buffer): never {
    if (status === 401 || status === 403) {
      throw new ToolFailure(
        `the image-edit endpoint answered HTTP ${status}: the Modal proxy tokens are wrong or missing; set MODAL_PROXY_TOKEN_ID and MODAL_PROXY_TOKEN_SECRET`,
      );
    }
    let message = body.toString("utf8").slice(0, 300);
    try {
      message = (JSON.parse(message) as { error?: { message?: string } }).error?.message ?? message;
    } catch {
      // not JSON: quote it as is
    }
    throw new ToolFailure(`${what}: the image-edit endpoint answered HTTP ${status}: ${this.redact(message)}`);
  }

  /** Queues an edit; returns the new job. */
  async submit(edit: EditRequest): Promise<EditJob> {
    const res = await this.call("POST", "/v1/jobs", edit);
    if (res.status !== 202) this.fail("submitting the edit", res.status, res.body);
    return JSON.parse(res.body.toString("utf8")) as EditJob;
  }

  /** The job's current state. */
  async status(id: string): Promise<EditJob> {
    const res = await this.call("GET", `/v1/jobs/${encodeURIComponent(id)}`);
    if (res.status !== 200) this.fail(`polling job ${id}`, res.status, res.body);
    return JSON.parse(res.body.toString("utf8")) as EditJob;
  }

  /** Polls until the job has finished, calling `onJob` after every poll. */
  async wait(id: string, onJob: (job: EditJob) => void): Promise<EditJob> {
    for (;;) {
      const job = await this.status(id);
      onJob(job);
      if (job.status === "succeeded" || job.status === "failed") return job;
      await sleep(POLL_INTERVAL_MS, this.signal);
    }
  }

  /** The result PNG. */
  async result(id: string): Promise<Buffer> {
    const res = await this.call("GET", `/v1/jobs/${encodeURIComponent(id)}/result`);
    if (res.status !== 200 || !res.type.startsWith("image/png")) this.fail(`downloading job ${id}`, res.status, res.body);
    return res.body;
  }

  /** Removes the job and its file on the endpoint (best effort: expiry removes it anyway). */
  async remove(id: string): Promise<void> {
    await this.call("DELETE", `/v1/jobs/${encodeURIComponent(id)}`).catch(() => undefined);
  }
}

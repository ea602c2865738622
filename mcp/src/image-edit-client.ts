/**
 * The image-edit deployment's job API (rendered by infra/render/image_edit_runtime.py): submit with
 * `POST /v1/jobs`, poll `GET /v1/jobs/{id}` for step progress, download `GET /v1/jobs/{id}/result`,
 * then `DELETE /v1/jobs/{id}` so the result file is removed at once rather than at expiry. Every
 * request carries the Modal proxy-auth headers; a 502/503/504 or a dropped connection (the web
 * function starting from zero) is retried until the edit's deadline.
 * @module
 */
import { Agent, request } from "undici";
import type { ServerConfig } from "./config.js";
import { PROXY_AUTH_HEADERS } from "@qwen-code-modal/contract";
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
const RETRY_STATUSES = new Set([502, 503, 504]);
const dispatcher = new Agent({ headersTimeout: 0, bodyTimeout: 0, connections: 8 });


/** One client per tool call: the deployment, the proxy tokens and the call's deadline/cancellation. */
export class ImageEditClient {
  constructor(
    private readonly edit: ImageEditConfig,
    private readonly auth: Pick<ServerConfig, "tokenId" | "tokenSecret">,
    private readonly signal: AbortSignal,
  ) {}

  private redact(text: string): string {
    return text.split(this.auth.tokenSecret).join("[redacted]").split(this.auth.tokenId).join("[redacted]");
  }

  /** One request with retries on "not ready yet"; returns the status and body of the first other answer. */
  private async call(method: "GET" | "POST" | "DELETE", path: string, body?: unknown): Promise<{ status: number; body: Buffer; type: string }> {
    let backoff = 500;
    for (;;) {
      try {
        const res = await request(`${this.edit.url}${path}`, {
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
        if (!RETRY_STATUSES.has(res.statusCode)) return { status: res.statusCode, body: data, type: String(res.headers["content-type"] ?? "") };
      } catch (err) {
        if (this.signal.aborted) throw err;
        const code = (err as NodeJS.ErrnoException).code ?? "";
        if (!/^(ECONNREFUSED|ECONNRESET|EPIPE|UND_ERR_SOCKET|ETIMEDOUT)$/.test(code)) throw err;
      }
      await sleep(backoff, this.signal);
      backoff = Math.min(backoff * 2, 10_000);
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

/**
 * The image-edit deployment's smoke checks: `/v1/models` names its model, then one small edit of a
 * generated image through the job API (submit, poll the steps, download, delete), which pays the GPU
 * container's cold start.
 * @module
 */
import type { ImageEditEndpoint } from "@qwen-code-modal/contract";
import sharp from "sharp";
import { describeOutcome, httpCall } from "../endpoints/http";
import type { CheckResult } from "./openai";
import { redBlockImage } from "./images";

/** Denoising steps and output size of the smoke edit: small, so it is cheap once the GPU is up. */
export const SMOKE_EDIT = { steps: 8, size: "512x512" } as const;

const fail = (name: string, ms: number, detail: string): CheckResult => ({ name, ok: false, detail, ms });

/** `GET /v1/models` lists the deployment's served model name. */
export async function checkImageEditModels(endpoint: ImageEditEndpoint, headers: Record<string, string>, timeoutMs: number): Promise<CheckResult> {
  const name = "/v1/models";
  const out = await httpCall(`${endpoint.url}/v1/models`, { headers, timeoutMs });
  if (out.status !== 200) return fail(name, out.ms, `${describeOutcome(out)}: ${out.text.slice(0, 200)}`);
  const ids = ((JSON.parse(out.text) as { data?: { id?: string }[] }).data ?? []).map((m) => String(m.id));
  return ids.includes(endpoint.model) ? { name, ok: true, detail: `serves ${endpoint.model}`, ms: out.ms } : fail(name, out.ms, `lists ${ids.join(", ") || "no model"}, not ${endpoint.model}`);
}

/**
 * One small edit (a red block, "make it blue") through the job API, within `timeoutMs` (a GPU cold
 * start included); the result must be a PNG of the asked size. The job is deleted afterwards.
 */
export async function checkImageEdit(
  endpoint: ImageEditEndpoint,
  headers: Record<string, string>,
  timeoutMs: number,
  pollMs = 2_000,
): Promise<CheckResult> {
  const name = `edit (${SMOKE_EDIT.steps} steps, ${SMOKE_EDIT.size})`;
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const left = () => Math.max(1, timeoutMs - elapsed());
  const image = (await redBlockImage()).dataUrl;
  const submit = await httpCall(`${endpoint.url}/v1/jobs`, {
    method: "POST",
    headers,
    timeoutMs: left(),
    json: { prompt: "Make the whole image blue.", images: [image], steps: SMOKE_EDIT.steps, seed: 0, size: SMOKE_EDIT.size },
  });
  if (submit.status !== 202) return fail(name, elapsed(), `submit: ${describeOutcome(submit)}: ${submit.text.slice(0, 200)}`);
  const id = (JSON.parse(submit.text) as { id: string }).id;
  try {
    for (;;) {
      const poll = await httpCall(`${endpoint.url}/v1/jobs/${id}`, { headers, timeoutMs: left() });
      if (poll.status !== 200) return fail(name, elapsed(), `job ${id}: ${describeOutcome(poll)}: ${poll.text.slice(0, 200)}`);
      const job = JSON.parse(poll.text) as { status: string; step: number; steps: number; error?: string };
      if (job.status === "failed") return fail(name, elapsed(), `job ${id} failed: ${job.error ?? "no reason given"}`);
      if (job.status === "succeeded") break;
      if (elapsed() + pollMs >= timeoutMs) return fail(name, elapsed(), `job ${id} still ${job.status} (step ${job.step}/${job.steps}) after ${Math.round(elapsed() / 1000)} s`);
      await new Promise((r) => setTimeout(r, pollMs));
    }
    const result = await httpCall(`${endpoint.url}/v1/jobs/${id}/result`, { headers, timeoutMs: left(), binary: true });
    if (result.status !== 200 || !result.body) return fail(name, elapsed(), `result: ${describeOutcome(result)}`);
    const meta = await sharp(result.body).metadata();
    const [width, height] = SMOKE_EDIT.size.split("x").map(Number);
    if (meta.format !== "png" || meta.width !== width || meta.height !== height) {
      return fail(name, elapsed(), `result is ${meta.format} ${meta.width}x${meta.height}, not png ${SMOKE_EDIT.size}`);
    }
    return { name, ok: true, detail: `edited in ${(elapsed() / 1000).toFixed(0)} s (job ${id})`, ms: elapsed() };
  } finally {
    await httpCall(`${endpoint.url}/v1/jobs/${id}`, { method: "DELETE", headers, timeoutMs: 10_000 });
  }
}

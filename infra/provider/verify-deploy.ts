/**
 * A deploy's verification: after `modal deploy`, the new version must answer `/health` with 200 and
 * list the served model name on `/v1/models` (vLLM's OpenAI-compatible model list) within a bound.
 * While Modal starts a container it holds requests and may answer 303, 5xx or time out, and during
 * a rolling deploy an old container may still answer with the old model name: all of that means
 * "not yet". A 401/403 (proxy credentials) ends the wait at once.
 * @module
 */

/**
 * One GET: the status and body, or why no answer came. Never throws. Global fetch, not
 * ../endpoints/http: this runs inside the dynamic provider, which Pulumi's closure serializer
 * copies with everything it imports, and the endpoints' HTTP client (undici, the gateway client)
 * does not survive that copy (tests/provider/serialize).
 */
async function get(url: string, headers: Record<string, string>, timeoutMs: number): Promise<{ status?: number; text: string; error?: string }> {
  try {
    const res = await fetch(url, { headers, redirect: "manual", signal: AbortSignal.timeout(timeoutMs) });
    return { status: res.status, text: await res.text() };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    const timedOut = e.name === "TimeoutError" || e.name === "AbortError";
    return { text: "", error: timedOut ? `timed out after ${Math.round(timeoutMs / 1000)} s` : (e.cause?.code ?? e.message) };
  }
}

/** `HTTP 503` or why no answer came. */
const outcomeText = (o: { status?: number; error?: string }) => (o.status !== undefined ? `HTTP ${o.status}` : (o.error ?? "no response"));

/** What to check and how long to wait. Units: seconds. */
export interface VerifyRequest {
  /** Web endpoint root URL (no trailing slash). */
  url: string;
  /** The served model name `/v1/models` must list. */
  model: string;
  /** Proxy-auth headers (Modal-Key / Modal-Secret). */
  headers: Record<string, string>;
  /** Give up after this long. */
  timeoutSeconds: number;
  /** Pause between attempts (default: a fifth of the bound, 1-10 s). */
  pollSeconds?: number;
  /** Called with a line of progress (elapsed time, last answer) after each attempt that was not yet ready. */
  onProgress?: (line: string) => void;
}

/** The verdict. */
export type VerifyOutcome = { ok: true; waitedSeconds: number } | { ok: false; reason: string };

/** Model ids from a `/v1/models` body (`{"object":"list","data":[{"id":...}]}`), or undefined when it is not one. */
function modelIds(text: string): string[] | undefined {
  try {
    const body = JSON.parse(text) as { data?: { id?: unknown }[] };
    return Array.isArray(body.data) ? body.data.map((m) => String(m.id)) : undefined;
  } catch {
    return undefined;
  }
}

/** Polls until the endpoint is healthy and serves the model, or the bound passes. Never throws. */
export async function verifyDeployed(req: VerifyRequest): Promise<VerifyOutcome> {
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;
  const poll = req.pollSeconds ?? Math.min(10, Math.max(1, req.timeoutSeconds / 5));
  let last = "no answer yet";
  for (let attempt = 1; ; attempt++) {
    const left = req.timeoutSeconds - elapsed();
    const limitMs = Math.round(Math.max(1000, Math.min(150_000, left * 1000)));
    const health = await get(`${req.url}/health`, req.headers, limitMs);
    if (health.status === 401 || health.status === 403) return { ok: false, reason: `${req.url}/health refused the proxy credentials (HTTP ${health.status})` };
    if (health.status === 200) {
      const models = await get(`${req.url}/v1/models`, req.headers, limitMs);
      const ids = models.status === 200 ? modelIds(models.text) : undefined;
      if (ids?.includes(req.model)) return { ok: true, waitedSeconds: Math.round(elapsed()) };
      last = ids ? `/v1/models lists ${JSON.stringify(ids)}, not "${req.model}"` : `/v1/models: ${outcomeText(models)}`;
    } else {
      last = `/health: ${outcomeText(health)}`;
    }
    if (elapsed() + poll >= req.timeoutSeconds) {
      return { ok: false, reason: `not serving "${req.model}" at ${req.url} after ${Math.round(elapsed())} s (bound ${req.timeoutSeconds} s, ${attempt} attempts; last: ${last})` };
    }
    req.onProgress?.(`verifying: ${Math.round(elapsed())} s of ${req.timeoutSeconds} s, ${last}`);
    await new Promise((r) => setTimeout(r, poll * 1000));
  }
}

/** Seconds a deployment's `verifyDeploy` allows: its number, or `startupTimeout` + 300 s for `true`; undefined when off. */
export function verifyBoundSeconds(d: { verifyDeploy?: boolean | number; startupTimeout: number }): number | undefined {
  if (d.verifyDeploy === undefined || d.verifyDeploy === false) return undefined;
  return d.verifyDeploy === true ? d.startupTimeout + 300 : d.verifyDeploy;
}

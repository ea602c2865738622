/**
 * A streamed POST to a deployed endpoint (undici), with the time each server-sent event arrived:
 * what `bench` and `smoke` need to see time to first token and argument deltas. Like
 * {@link httpCall} it never throws, and it follows Modal's 303 to the result URL (a GET that
 * blocks until the call finishes; modal.com/docs/guide/webhook-timeouts) through the one gateway
 * client both use (`requestThroughGateway`: same host only, up to 20 times as browsers do, keeping
 * the proxy-auth headers).
 * @module
 */
import { createParser } from "eventsource-parser";
import { requestThroughGateway } from "@qwen-code-modal/contract";
import { callSignal, noResponse, type HttpCall, type HttpOutcome } from "./http";

/** One server-sent event: its `event:` name (if any), its `data:` text, and when it arrived. */
export interface TimedEvent {
  event?: string;
  data: string;
  /** Milliseconds from sending the request. */
  at: number;
}

/** What a streamed call returned. `text` holds the body only when the status was not 2xx. */
export interface StreamOutcome extends HttpOutcome {
  events: TimedEvent[];
}

/**
 * Sends a JSON POST expecting `text/event-stream`, and records every event with its arrival time.
 * A non-2xx answer is read whole into `text`; no response at all comes back as `error`.
 * @param onEvent - called as each event arrives (e.g. to stop early); optional.
 */
export async function httpStream(url: string, call: HttpCall, onEvent?: (e: TimedEvent) => void): Promise<StreamOutcome> {
  const started = performance.now();
  const ms = () => Math.round((performance.now() - started) * 10) / 10;
  const events: TimedEvent[] = [];
  const signal = callSignal(call);
  let redirects = 0;
  try {
    const res = await requestThroughGateway(url, {
      method: call.method ?? "POST",
      headers: { ...call.headers, "content-type": "application/json", accept: "text/event-stream" },
      body: JSON.stringify(call.json),
      signal,
      onResultUrl: (hop) => {
        redirects = hop;
        call.onResultUrl?.(hop);
      },
    });
    redirects = res.redirects;
    if (res.statusCode < 200 || res.statusCode >= 300) {
      return { status: res.statusCode, text: await res.body.text(), ms: ms(), events, redirects };
    }
    const parser = createParser({
      onEvent(e) {
        const timed: TimedEvent = { event: e.event, data: e.data, at: ms() };
        events.push(timed);
        onEvent?.(timed);
      },
    });
    const decoder = new TextDecoder();
    for await (const chunk of res.body) parser.feed(decoder.decode(chunk as Uint8Array, { stream: true }));
    parser.feed(decoder.decode());
    return { status: res.statusCode, text: "", ms: ms(), events, redirects };
  } catch (err) {
    return { ...noResponse(url, call, err, redirects), ms: ms(), events };
  }
}

// The browser's one event stream to the dashboard (GET /api/events, Server-Sent Events read with
// eventsource-parser from a fetch, so the token goes in the Authorization header, never in a URL
// or a cookie). Reconnects on its own. Reports its status:
// - "live" (with the stream id the server gave in `hello`);
// - "down" (the connection dropped; retrying);
// - "restarted" (the server now refuses this token after this stream had been live: the dashboard
//   was restarted with a new token; it comes back live once a tab brings the new token);
// - "refused" (refused before ever being live: the token is not this run's).
// Used by the shared worker (events-worker.js: one stream for all the browser's tabs) and, where
// a browser has no SharedWorker, by the page itself.
import { createParser } from "/vendor/eventsource-parser.js";

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * @param {() => string | null} getToken - the token to send (read again at each connection)
 * @param {(event: string, data: unknown) => void} onEvent - every event but `ping`
 * @param {(status: string, detail?: string) => void} onStatus
 * @returns {{ reconnect(): void }}
 */
export function connectEvents(getToken, onEvent, onStatus) {
  /** The run id of the last `hello`: null until the stream has been live once. */
  let boot = null;
  let controller = null;
  let delay = 500;
  async function run() {
    for (;;) {
      controller = new AbortController();
      try {
        const res = await fetch("/api/events", { headers: { authorization: `Bearer ${getToken() ?? ""}` }, signal: controller.signal, cache: "no-store" });
        if (res.status === 403) {
          onStatus(boot === null ? "refused" : "restarted", await res.text());
          await sleep(3000);
          continue;
        }
        if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
        const parser = createParser({
          onEvent(ev) {
            if (ev.event === "ping") return;
            const data = JSON.parse(ev.data);
            if (ev.event === "hello") {
              boot = data.boot;
              onStatus("live", data.stream);
            }
            onEvent(ev.event, data);
          },
        });
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          delay = 500;
          parser.feed(value);
        }
      } catch {
        // dropped or refused to connect: retry below
      }
      onStatus("down");
      await sleep(delay);
      delay = Math.min(delay * 2, 5000);
    }
  }
  void run();
  return { reconnect: () => controller?.abort() };
}

/**
 * The dashboard's event stream read from Node as the page reads it (fetch with the Bearer token,
 * eventsource-parser), for the tests that call the API without a browser.
 */
import { createParser, type EventSourceMessage } from "eventsource-parser";
import type { DashboardWorld } from "./harness";

/** A connected stream: its id, every event so far, and a wait for one. */
export interface TestEventStream {
  id: string;
  events: { event: string; data: unknown; raw: string }[];
  /** Resolves with the first event (already seen or to come) that `match` accepts; rejects after `timeoutMs`. */
  next(match: (event: string, data: any) => boolean, timeoutMs?: number): Promise<any>;
  close(): void;
}

/** Opens `/api/events` with the world's current token and waits for its `hello`. */
export async function openEventStream(world: DashboardWorld): Promise<TestEventStream> {
  const abort = new AbortController();
  const res = await fetch(`${world.origin}/api/events`, { headers: { authorization: `Bearer ${world.token}` }, signal: abort.signal });
  if (res.status !== 200 || !res.body) throw new Error(`/api/events answered ${res.status}: ${await res.text()}`);
  const events: TestEventStream["events"] = [];
  const waiters = new Set<() => void>();
  const parser = createParser({
    onEvent(message: EventSourceMessage) {
      events.push({ event: message.event ?? "message", data: JSON.parse(message.data), raw: message.data });
      for (const w of waiters) w();
    },
  });
  void (async () => {
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        parser.feed(value);
      }
    } catch {
      // closed by the test
    }
  })();
  const next: TestEventStream["next"] = (match, timeoutMs = 15_000) =>
    new Promise((resolve, reject) => {
      const check = () => {
        const found = events.find((e) => match(e.event, e.data));
        if (!found) return;
        waiters.delete(check);
        clearTimeout(timer);
        resolve(found.data);
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`no matching event within ${timeoutMs} ms; seen: ${events.map((e) => e.event).join(", ")}`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  const hello = await next((event) => event === "hello");
  return { id: hello.stream, events, next, close: () => abort.abort() };
}

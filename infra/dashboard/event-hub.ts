/**
 * The dashboard's event streams: one Server-Sent Events stream per browser (the page's shared
 * worker holds it for all its tabs, so a browser's six connections per host are never used up),
 * multiplexing everything the server pushes: `hello`, `state`, `live`, `sample`, `deploy`, and the
 * answers of the calls a tab made (`log`, `log-end`, `chat`, `chat-end`), each tagged with the call's id.
 *
 * Every chunk is written here and nowhere else, and every chunk goes through the redactor given at
 * construction (the one that knows the proxy and Modal token values), after JSON encoding.
 * @module
 */
import { randomUUID } from "node:crypto";
import type { SSEStreamingApi } from "hono/streaming";

/** One connected stream and what runs on its behalf (stopped when it closes). */
interface Connection {
  stream: SSEStreamingApi;
  /** Aborted when the stream closes: log follows and chat answers started for it stop. */
  closed: AbortController;
}

/** The streams, their ids, and the one place chunks are written. */
export class EventHub {
  private readonly connections = new Map<string, Connection>();
  /** This run's id, sent in `hello`: a page that reconnects to a different id knows the dashboard restarted. */
  readonly bootId = randomUUID();

  /** @param clean - the redactor every chunk goes through. */
  constructor(private readonly clean: (text: string) => string) {}

  /**
   * Serves one stream until the browser leaves: `hello` (`{ boot, stream }`), then `first()`'s
   * events, then whatever is broadcast or sent to it; a `ping` every 15 s keeps proxies quiet.
   */
  async serve(stream: SSEStreamingApi, first: () => [string, unknown][]): Promise<void> {
    const id = randomUUID();
    const connection: Connection = { stream, closed: new AbortController() };
    this.connections.set(id, connection);
    await this.write(connection, "hello", { boot: this.bootId, stream: id });
    for (const [event, data] of first()) await this.write(connection, event, data);
    const ping = setInterval(() => void this.write(connection, "ping", Date.now()), 15_000);
    await new Promise<void>((resolve) => stream.onAbort(resolve));
    clearInterval(ping);
    this.drop(id);
  }

  /** The abort signal of a connected stream (its calls stop with it), or undefined when not connected. */
  signal(streamId: string): AbortSignal | undefined {
    return this.connections.get(streamId)?.closed.signal;
  }

  /** Sends an event to every stream. */
  broadcast(event: string, data: unknown): void {
    for (const connection of this.connections.values()) void this.write(connection, event, data);
  }

  /** Sends an event to one stream; false when it is gone. */
  send(streamId: string, event: string, data: unknown): boolean {
    const connection = this.connections.get(streamId);
    if (!connection) return false;
    void this.write(connection, event, data);
    return true;
  }

  /** Closes every stream (the dashboard stops). */
  closeAll(): void {
    for (const [id, connection] of this.connections) {
      void connection.stream.close();
      this.drop(id);
    }
  }

  private drop(id: string): void {
    this.connections.get(id)?.closed.abort();
    this.connections.delete(id);
  }

  private async write(connection: Connection, event: string, data: unknown): Promise<void> {
    await connection.stream.writeSSE({ event, data: this.clean(JSON.stringify(data)) }).catch(() => connection.closed.abort());
  }
}

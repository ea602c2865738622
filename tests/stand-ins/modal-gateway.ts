/**
 * A stand-in for **Modal's web-endpoint gateway** (the `https://<workspace>--<label>.modal.run`
 * front door), for tests: a real HTTP server on 127.0.0.1 that sits in front of an upstream (the
 * vLLM endpoint stand-in, `./vllm-endpoint.ts`) and behaves the way Modal documents its gateway,
 * with the awkward parts kept and the times scaled down:
 *
 * - **Proxy auth** (modal.com/docs/guide/webhook-proxy-auth): with `proxyToken` set, every request
 *   (result URLs too) must carry the token as `Modal-Key` / `Modal-Secret` headers, or as
 *   `Authorization: Bearer <id>.<secret>`; otherwise 401 with Modal's body text, and no container
 *   starts. Header forms as the modal SDK 1.6.4 documents them (`modal/cli/workspace.py`,
 *   `PROXY_TOKENS_HELP_TEXT`; `modal/_partial_function.py`: "Require Modal-Key and Modal-Secret
 *   HTTP Headers on requests"); the body text as the docs show it (`modal-http: missing
 *   credentials for proxy authorization`) and, for a wrong pair,
 *   `modal-http: invalid credentials for proxy authorization` (Modal documents only the 401
 *   status for that case; this wording is the stand-in's).
 * - **Cold start** (modal.com/docs/guide/cold-start): with no warm container, a request waits in a
 *   queue while one boots ("inputs may spend more time waiting in a queue for a container to become
 *   ready"); the stand-in holds every request for `coldStartMs`, then forwards them.
 * - **The request limit** (modal.com/docs/guide/webhook-timeouts): "All Web Function types …
 *   have a maximum HTTP request timeout of 150 seconds enforced … an HTTP status 303 redirect
 *   response is returned pointing at the original URL with a special query parameter linking it
 *   that request. This is the *result URL* … The result URL can be reloaded without triggering a
 *   new request. It will block until the request completes." Browsers follow up to 20 such
 *   redirects. Here the limit is `requestLimitMs` (150,000 on Modal): a response whose status
 *   line has not come back from the upstream by then is answered `303 See Other` with
 *   `Location: <original path>?…&__modal_function_call_id=fc-…`; a GET of that URL blocks up to
 *   `requestLimitMs` for the call to finish, then answers 303 to itself again. The call keeps
 *   running upstream meanwhile and its whole response is kept for the result URL. A response
 *   that started within the limit (e.g. a streamed completion, whose headers vLLM sends at once)
 *   is passed through as it streams — the stand-in's reading of "a response not ready by then",
 *   as Modal does not document streams against the limit.
 * - **Scale to zero** (modal.com/docs/guide/cold-start, `scaledown_window`): after `idleMs` with no
 *   request in flight the container is gone, and the next request pays the cold start again.
 *
 * It is a stand-in: the upstream answers for the container; its own faults (`setFault`) still
 * apply behind the gateway. Proxy headers are forwarded to the upstream unchanged (whether Modal
 * strips them is not documented), so upstream records keep showing what the client sent.
 *
 * ```ts
 * const vllm = await startVllmStandIn({ proxyAuth: false });
 * const gateway = await startModalGateway({ upstream: vllm.url, coldStartMs: 1500, requestLimitMs: 500, idleMs: 5000,
 *   proxyToken: { tokenId: "wk-test1", tokenSecret: "ws-test1" } });
 * // point the client at gateway.url (or gateway.baseUrl); then:
 * gateway.stats.coldStarts; gateway.stats.redirects; gateway.stats.resultGets;
 * await gateway.close();
 * ```
 * @module
 */
import { createHash, randomBytes } from "node:crypto";
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/** Modal's limit on one web request before it answers 303, milliseconds (modal.com/docs/guide/webhook-timeouts). */
export const MODAL_REQUEST_LIMIT_MS = 150_000;
/** The query parameter of a result URL (modal.com/docs/guide/webhook-timeouts). */
export const FUNCTION_CALL_ID_PARAM = "__modal_function_call_id";
/** Modal's 401 body for a request without the proxy-auth headers (modal.com/docs/guide/webhook-proxy-auth). */
export const MISSING_CREDENTIALS_TEXT = "modal-http: missing credentials for proxy authorization";
/** The stand-in's 401 body for a wrong token pair (Modal documents only the status). */
export const INVALID_CREDENTIALS_TEXT = "modal-http: invalid credentials for proxy authorization";

/** A Modal proxy auth token (`Modal-Key` = id, `Modal-Secret` = secret). */
export interface GatewayProxyToken {
  tokenId: string;
  tokenSecret: string;
}

/** Options of {@link startModalGateway}. Times in milliseconds. */
export interface GatewayOptions {
  /** Root URL of what runs in the container, e.g. a vLLM stand-in's `url` (`http://127.0.0.1:port`). */
  upstream: string;
  /** How long a container takes to boot; requests are held meanwhile. Default 0 (boots at once). */
  coldStartMs?: number;
  /** Modal's 150 s limit, scaled down: no response status by then → 303 to the result URL. Default 150,000. */
  requestLimitMs?: number;
  /** Idle time with nothing in flight before the container stops (`scaledown_window`). Default 300,000. */
  idleMs?: number;
  /** Required proxy auth token; `false` or absent: the endpoint is public. */
  proxyToken?: GatewayProxyToken | false;
  /** Start with a warm container instead of scaled to zero. Default false. */
  warm?: boolean;
}

/** One thing the gateway did, in order, for assertions. */
export interface GatewayEvent {
  /** `request`: a new call; `result`: a GET of a result URL; `401`; `303`; `cold-start`; `warm`; `scaled-to-zero`; `answered`. */
  kind: "request" | "result" | "401" | "303" | "cold-start" | "warm" | "scaled-to-zero" | "answered";
  method?: string;
  /** Path and query as received. */
  url?: string;
  /** Function call id (`fc-…`). */
  callId?: string;
  /** Status sent (`answered`). */
  status?: number;
  /** `performance.now()` at the event. */
  at: number;
}

/** Counters, live. */
export interface GatewayStats {
  /** `cold` (scaled to zero), `starting` or `warm`. */
  state: "cold" | "starting" | "warm";
  /** Containers booted. */
  coldStarts: number;
  /** New calls (requests that are not result-URL GETs), authorized or not. */
  requests: number;
  /** 401 answers. */
  unauthorized: number;
  /** 303 answers (first ones and repeats from result URLs). */
  redirects: number;
  /** GETs of result URLs. */
  resultGets: number;
  /** Everything, in order. */
  events: GatewayEvent[];
}

/** A running gateway stand-in. */
export interface ModalGatewayStandIn {
  /** Root URL, `http://127.0.0.1:<port>`, standing for `https://<workspace>--<label>.modal.run`. */
  url: string;
  /** `url + "/v1"` (the OpenAI base URL when the upstream is vLLM). */
  baseUrl: string;
  stats: GatewayStats;
  /** Stops the container now (as if `idleMs` had passed): the next request cold-starts. */
  scaleToZero(): void;
  /** Stops listening, drops open connections (held requests too). */
  close(): Promise<void>;
}

/** A call's upstream response, kept whole for its result URL. */
interface Finished {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** One function call: a request the gateway forwarded (or will forward once warm). */
interface Call {
  id: string;
  /** Resolves with the upstream's whole response, or an error text. */
  done: Promise<Finished>;
  result?: Finished;
}

const HOP_BY_HOP = new Set(["connection", "keep-alive", "transfer-encoding", "upgrade", "host", "content-length"]);

function forwardable(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).filter(([k]) => !HOP_BY_HOP.has(k)));
}

/**
 * Starts `server` on a free 127.0.0.1 port. `close` destroys the open connections first (clients
 * keep them alive), so the server closes at once.
 */
async function listenOnLoopback(server: Server): Promise<{ url: string; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const s of sockets) s.destroy();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** The token a request presents: the header pair, else a `Bearer <id>.<secret>` (modal SDK 1.6.4 help text). */
function presentedToken(headers: IncomingHttpHeaders): [string | undefined, string | undefined] {
  const key = headers["modal-key"];
  const secret = headers["modal-secret"];
  if (typeof key === "string" || typeof secret === "string") return [key as string | undefined, secret as string | undefined];
  const bearer = /^Bearer\s+(wk-[^.\s]+)\.(\S+)$/.exec(headers.authorization ?? "");
  return bearer ? [bearer[1], bearer[2]] : [undefined, undefined];
}

/** `path?query` with the call id parameter set. */
function resultUrl(pathAndQuery: string, callId: string): string {
  const u = new URL(pathAndQuery, "http://gateway.invalid");
  u.searchParams.set(FUNCTION_CALL_ID_PARAM, callId);
  return `${u.pathname}${u.search}`;
}

/**
 * Starts the gateway stand-in on 127.0.0.1 (ephemeral port).
 * @returns the running gateway; call `close()` when done (the upstream is not closed).
 */
export async function startModalGateway(options: GatewayOptions): Promise<ModalGatewayStandIn> {
  const upstream = new URL(options.upstream);
  const coldStartMs = options.coldStartMs ?? 0;
  const requestLimitMs = options.requestLimitMs ?? MODAL_REQUEST_LIMIT_MS;
  const idleMs = options.idleMs ?? 300_000;
  const token = options.proxyToken || undefined;
  const stats: GatewayStats = { state: "cold", coldStarts: 0, requests: 0, unauthorized: 0, redirects: 0, resultGets: 0, events: [] };
  const event = (e: Omit<GatewayEvent, "at">) => stats.events.push({ ...e, at: performance.now() });
  const calls = new Map<string, Call>();
  const timers = new Set<NodeJS.Timeout>();
  let booting: Promise<void> | undefined;
  let inFlight = 0;
  let idleTimer: NodeJS.Timeout | undefined;

  const later = (ms: number, fn: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
    return t;
  };

  const scaleToZero = () => {
    if (idleTimer) clearTimeout(idleTimer);
    idleTimer = undefined;
    if (stats.state === "warm") {
      stats.state = "cold";
      booting = undefined;
      event({ kind: "scaled-to-zero" });
    }
  };
  if (options.warm) {
    stats.state = "warm";
    booting = Promise.resolve();
  }

  /** Resolves when a container is warm, booting one if none is. */
  const container = (): Promise<void> => {
    if (idleTimer) clearTimeout(idleTimer);
    idleTimer = undefined;
    if (!booting) {
      stats.state = "starting";
      stats.coldStarts += 1;
      event({ kind: "cold-start" });
      booting = new Promise<void>((resolve) =>
        later(coldStartMs, () => {
          stats.state = "warm";
          event({ kind: "warm" });
          resolve();
        }),
      );
    }
    return booting;
  };

  const settle = () => {
    inFlight -= 1;
    if (inFlight === 0 && stats.state === "warm") {
      if (idleTimer) clearTimeout(idleTimer);
      idleTimer = later(idleMs, scaleToZero);
    }
  };

  /** Forwards one request once warm; `onHead` gets the live upstream response when its status line arrives. */
  const startCall = (req: IncomingMessage, body: Buffer, onHead: (res: IncomingMessage) => boolean): Call => {
    const id = `fc-${randomBytes(12).toString("hex")}`;
    inFlight += 1;
    const done = (async (): Promise<Finished> => {
      await container();
      return new Promise<Finished>((resolve) => {
        const up = httpRequest(
          { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...forwardable(req.headers), "content-length": String(body.length) } },
          (res) => {
            // A live consumer (the original request, within the limit) streams it; else keep it whole.
            if (onHead(res)) {
              res.on("end", () => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.alloc(0) }));
              res.on("error", () => resolve({ status: 502, headers: {}, body: Buffer.alloc(0) }));
              return;
            }
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("end", () => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }));
            res.on("error", () => resolve({ status: 502, headers: {}, body: Buffer.concat(chunks) }));
          },
        );
        up.on("error", (err) =>
          resolve({ status: 502, headers: { "content-type": "text/plain" }, body: Buffer.from(`stand-in gateway: the container did not answer (${err.message})`) }),
        );
        up.end(body);
      });
    })().finally(settle);
    const call: Call = { id, done };
    done.then((r) => (call.result = r));
    calls.set(id, call);
    return call;
  };

  const sendFinished = (res: ServerResponse, f: Finished) => {
    res.writeHead(f.status, forwardable(f.headers)).end(f.body);
  };

  const redirect = (res: ServerResponse, location: string, callId: string) => {
    stats.redirects += 1;
    event({ kind: "303", url: location, callId });
    res.writeHead(303, { location, "content-length": "0" }).end();
  };

  /** Waits up to the limit for a call; true when it finished in time. */
  const within = (call: Call) =>
    new Promise<boolean>((resolve) => {
      const t = later(requestLimitMs, () => resolve(false));
      call.done.then(() => {
        clearTimeout(t);
        timers.delete(t);
        resolve(true);
      });
    });

  const server = createServer(async (req, res) => {
    const url = req.url ?? "/";
    const callId = new URL(url, "http://gateway.invalid").searchParams.get(FUNCTION_CALL_ID_PARAM);
    if (callId) {
      stats.resultGets += 1;
      event({ kind: "result", method: req.method, url, callId });
    } else {
      stats.requests += 1;
      event({ kind: "request", method: req.method, url });
    }
    res.on("finish", () => event({ kind: "answered", url, status: res.statusCode, callId: callId ?? undefined }));
    const body = await readBody(req);
    if (token) {
      const [key, secret] = presentedToken(req.headers);
      if (!key || !secret || key !== token.tokenId || secret !== token.tokenSecret) {
        stats.unauthorized += 1;
        event({ kind: "401", url });
        res.writeHead(401, { "content-type": "text/plain; charset=utf-8" }).end(!key || !secret ? MISSING_CREDENTIALS_TEXT : INVALID_CREDENTIALS_TEXT);
        return;
      }
    }
    if (callId) {
      const call = calls.get(callId);
      if (!call) {
        res.writeHead(404, { "content-type": "text/plain" }).end(`stand-in gateway: no function call ${callId}`);
        return;
      }
      if (call.result || (await within(call))) return sendFinished(res, call.result ?? (await call.done));
      return redirect(res, url, callId);
    }
    let live = true;
    const call = startCall(req, body, (up) => {
      if (!live) return false;
      live = false;
      res.writeHead(up.statusCode ?? 502, forwardable(up.headers));
      up.pipe(res);
      return true;
    });
    const limit = later(requestLimitMs, () => {
      if (!live) return;
      live = false;
      redirect(res, resultUrl(url, call.id), call.id);
    });
    call.done.then((f) => {
      clearTimeout(limit);
      timers.delete(limit);
      if (!live) return;
      // The upstream failed before its status line (no live hand-over): answer with what was kept.
      live = false;
      sendFinished(res, f);
    });
  });
  const { url, close } = await listenOnLoopback(server);
  return {
    url,
    baseUrl: `${url}/v1`,
    stats,
    scaleToZero,
    close: () => {
      for (const t of timers) clearTimeout(t);
      if (idleTimer) clearTimeout(idleTimer);
      return close();
    },
  };
}

/**
 * A stand-in for **a Modal Server's router** (`@app.server`, docs/serving-modes.md): several
 * containers behind one URL, each an upstream with its own vLLM prefix cache (a vLLM stand-in
 * with the engine emulation, `./vllm-engine.ts`), and Modal's affinity routing:
 *
 * - **Affinity** (modal.com/docs/guide/sticky-sessions): "the routing proxy hashes a
 *   Modal-Session-ID header to bias requests toward a container"; Modal Servers "offer sticky
 *   routing for fixed replica sets using rendezvous hashing" (modal.com/docs/examples/server_sticky).
 *   Here: highest-random-weight hashing of (session id, container id) with SHA-256; Modal's own hash
 *   function is not published, and any rendezvous hash keeps a session on one container of a fixed
 *   set. A request without the header goes to a container picked at random (`random`), the
 *   stand-in's reading of a load-balanced router with no affinity hint.
 * - **Proxy auth**: as {@link startModalGateway} (a Server requires it unless `unauthenticated=True`,
 *   modal 1.6.4 app.py:1418).
 * - **No input queue, no 303**: a Server's requests go to a container directly (modal.com/docs/guide/servers:
 *   Servers "lack some operational features of Modal Functions that depend on the stateful Function
 *   input system"); responses stream through as they come. Whether Modal bounds a Server request's
 *   time is not documented; the stand-in does not.
 *
 * Every request is logged with the session id it carried and the container it went to.
 */
export interface ServerRouterOptions {
  /** Root URLs of the containers (`http://127.0.0.1:port`), at least one. */
  upstreams: string[];
  /** Required proxy auth token; `false` or absent: unauthenticated. */
  proxyToken?: GatewayProxyToken | false;
  /** Picks a container for a request without `Modal-Session-ID`: a number in [0, 1). Default `Math.random`. */
  random?: () => number;
}

/** One request the router forwarded (or refused with 401: `container` -1). */
export interface RoutedRequest {
  method: string;
  /** Path and query as received. */
  url: string;
  /** The `Modal-Session-ID` header, when sent. */
  sessionId?: string;
  /** Index of the container in `upstreams`. */
  container: number;
  headers: IncomingHttpHeaders;
}

/** A running Server router stand-in. */
export interface ModalServerRouterStandIn {
  /** Root URL, standing for the Server's URL. */
  url: string;
  /** `url + "/v1"`. */
  baseUrl: string;
  /** Every request, in arrival order: the request log tests read the session header from. */
  requests: RoutedRequest[];
  /** The container a session id hashes to (the same choice the router makes). */
  containerFor(sessionId: string): number;
  close(): Promise<void>;
}

/** The Server router's affinity header, lowercased as Node delivers it (contract SESSION_ID_HEADER). */
const SESSION_HEADER = "modal-session-id";

/** Rendezvous (highest random weight) choice of a container for a key. */
function rendezvous(key: string, containers: readonly string[]): number {
  let best = 0;
  let bestWeight = -1n;
  containers.forEach((id, i) => {
    const weight = BigInt(`0x${createHash("sha256").update(key).update("\0").update(id).digest("hex").slice(0, 16)}`);
    if (weight > bestWeight) {
      bestWeight = weight;
      best = i;
    }
  });
  return best;
}

/**
 * Starts a Server router stand-in on 127.0.0.1 in front of `upstreams` (not closed by `close()`).
 * @throws Error when no upstream is given.
 */
export async function startModalServerRouter(options: ServerRouterOptions): Promise<ModalServerRouterStandIn> {
  if (options.upstreams.length === 0) throw new Error("startModalServerRouter: give at least one upstream container");
  const upstreams = options.upstreams.map((u) => new URL(u));
  const random = options.random ?? Math.random;
  const token = options.proxyToken || undefined;
  const requests: RoutedRequest[] = [];
  const containerFor = (sessionId: string) => rendezvous(sessionId, options.upstreams);
  const server = createServer(async (req, res) => {
    const body = await readBody(req);
    const header = req.headers[SESSION_HEADER];
    const sessionId = typeof header === "string" && header.length > 0 ? header : undefined;
    const entry: RoutedRequest = { method: req.method ?? "GET", url: req.url ?? "/", sessionId, container: -1, headers: req.headers };
    requests.push(entry);
    if (token) {
      const [key, secret] = presentedToken(req.headers);
      if (!key || !secret || key !== token.tokenId || secret !== token.tokenSecret) {
        res.writeHead(401, { "content-type": "text/plain; charset=utf-8" }).end(!key || !secret ? MISSING_CREDENTIALS_TEXT : INVALID_CREDENTIALS_TEXT);
        return;
      }
    }
    entry.container = sessionId ? containerFor(sessionId) : Math.min(upstreams.length - 1, Math.floor(random() * upstreams.length));
    const target = upstreams[entry.container];
    const up = httpRequest(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...forwardable(req.headers), "content-length": String(body.length) } },
      (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, forwardable(upRes.headers));
        upRes.pipe(res);
      },
    );
    up.on("error", (err) => {
      if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" });
      res.end(`stand-in Server router: the container did not answer (${err.message})`);
    });
    up.end(body);
  });
  const { url, close } = await listenOnLoopback(server);
  return {
    url,
    baseUrl: `${url}/v1`,
    requests,
    containerFor,
    close,
  };
}

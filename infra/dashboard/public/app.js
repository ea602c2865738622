// The dashboard page. The token comes in the URL's fragment (#token=, never sent to a server),
// moves to this origin's localStorage and goes out as an Authorization header on every call.
// Events come through the browser's one stream (events-worker.js, a SharedWorker all tabs share;
// events.js directly where there is no SharedWorker): `hello` (this stream's id), `state`, `live`,
// `sample`, `deploy`, and the answers of this tab's calls (`log`/`log-end`, `chat`/`chat-end`)
// tagged with the call's id. Charts: uPlot (global, from /vendor/uplot.js). Text from the server
// is always set with textContent (logs may hold markup).
import { connectEvents } from "/assets/events.js";

const $ = (id) => document.getElementById(id);
const S = { deployments: [], live: {}, history: {}, progress: {}, recent: [], spend: null, charts: {}, stream: null };

// ---------- token and calls ----------
const TOKEN_KEY = "qcm-dashboard-token";
const fromUrl = new URLSearchParams(location.hash.slice(1)).get("token");
if (fromUrl) {
  localStorage.setItem(TOKEN_KEY, fromUrl);
  history.replaceState(null, "", location.pathname);
}
const token = () => localStorage.getItem(TOKEN_KEY);

/** A call to the server with the token; JSON in (when `body` is given) and JSON out. Throws the server's error text. */
async function api(path, body) {
  const res = await fetch(path, {
    method: body === undefined ? "GET" : "POST",
    headers: { authorization: `Bearer ${token() ?? ""}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let data;
  try {
    data = JSON.parse(text);
  } catch {
    data = { error: text };
  }
  if (!res.ok) throw new Error(data.error ?? `HTTP ${res.status}`);
  return data;
}

/** Creates an element: h("div", { class: "x" }, "text", child). */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) if (c !== undefined && c !== null && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}
const int = (n) => (n === undefined || n === null ? "—" : Math.round(n).toLocaleString("en-US"));
const usd = (n) => (n === undefined || n === null ? "—" : `$${n.toFixed(n < 1 ? 3 : 2)}`);
const pct = (f) => (f === undefined || f === null ? "—" : `${(f * 100).toFixed(1)}%`);
const clock = (iso) => new Date(iso).toLocaleTimeString("en-GB");
const kTokens = (n) => (n === null || n === undefined ? "—" : n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : n >= 1e3 ? `${Math.round(n / 1e3)} K` : String(n));

// ---------- charts ----------
const CHARTS = [
  { key: "requests", title: "Requests", series: [["running", "#7aa2ff"], ["waiting", "#d29922"]], now: (s) => `${int(s.running)} run · ${int(s.waiting)} wait` },
  { key: "kv", title: "KV cache", series: [["kvCacheUsage", "#bc8cff", (v) => v * 100]], now: (s) => pct(s.kvCacheUsage), max: 100 },
  { key: "gen", title: "Generation tok/s", series: [["generationTps", "#3fb950"]], now: (s) => (s.generationTps === undefined ? "—" : s.generationTps.toFixed(1)) },
  { key: "prompt", title: "Prompt tok/s", series: [["promptTps", "#58a6ff"]], now: (s) => (s.promptTps === undefined ? "—" : s.promptTps.toFixed(1)) },
  { key: "prefix", title: "Prefix-cache hits", series: [["prefixCacheHitRate", "#f778ba", (v) => v * 100]], now: (s) => pct(s.prefixCacheHitRate), max: 100 },
  { key: "ttft", title: "TTFT (s)", series: [["ttftSeconds", "#ffa657"]], now: (s) => (s.ttftSeconds === undefined ? "—" : s.ttftSeconds.toFixed(2)) },
];

function chartData(samples, def) {
  const xs = samples.map((s) => s.t);
  return [xs, ...def.series.map(([field, , map]) => samples.map((s) => (s[field] === undefined ? null : map ? map(s[field]) : s[field])))];
}

function makeChart(el, def) {
  const width = Math.max(150, el.clientWidth - 4);
  const axis = { stroke: "#8b96a5", grid: { stroke: "#242c3b", width: 1 }, ticks: { show: false }, font: "10px system-ui" };
  return new uPlot(
    {
      width,
      height: 86,
      legend: { show: false },
      cursor: { show: false },
      padding: [6, 6, 0, 0],
      scales: { x: { time: true }, y: { range: (u, min, max) => [0, def.max ?? Math.max(1, max * 1.15)] } },
      axes: [{ ...axis, size: 18, values: (u, ticks) => ticks.map((t) => new Date(t * 1000).toLocaleTimeString("en-GB").slice(3)) }, { ...axis, size: 32 }],
      series: [{}, ...def.series.map(([field, color]) => ({ label: field, stroke: color, width: 1.6, fill: `${color}22`, points: { show: false }, spanGaps: true }))],
    },
    [[], ...def.series.map(() => [])],
    el,
  );
}

function updateCharts(name) {
  const samples = S.history[name] ?? [];
  const last = samples.at(-1);
  for (const def of CHARTS) {
    const slot = S.charts[name]?.[def.key];
    if (!slot) continue;
    const has = samples.some((s) => def.series.some(([f]) => s[f] !== undefined));
    slot.now.textContent = last ? def.now(last) : "—";
    slot.empty.textContent = S.live[name]?.state === "warm" ? "no samples yet" : "not polled: no running container";
    slot.empty.hidden = has;
    slot.plotEl.hidden = !has;
    if (has) {
      slot.plot ??= makeChart(slot.plotEl, def);
      slot.plot.setData(chartData(samples, def));
    }
  }
}

// ---------- deployment cards ----------
function fact(k, v, title) {
  return h("div", { class: "fact", title: title ?? `${k}: ${v}` }, h("div", { class: "k" }, k), h("div", { class: "v" }, v));
}

function renderCards() {
  const root = $("deployments");
  root.replaceChildren();
  S.charts = {};
  for (const d of S.deployments) {
    const p = d.plan;
    const facts = h(
      "div",
      { class: "facts" },
      fact("GPU", p?.gpu ?? "—"),
      fact("Context", `${int(d.maxModelLen)} tok`),
      fact("Max inputs", p ? String(p.maxInputs) : "—"),
      fact("Scale to zero", p ? `${p.scaledownWindow} s idle` : "—"),
      fact("KV cache", p?.capacity?.kvCacheTokens ? `${kTokens(p.capacity.kvCacheTokens)} tok` : "—"),
      fact("Full-context seqs", p?.capacity?.sequencesAtMaxLen ?? "—"),
      fact("Warm hour", p ? usd(p.cost.usdPerWarmHour) : "—"),
      fact("Cold start", p ? `${usd(p.cost.usdPerColdStart)} · ~${p.cost.startupSeconds === null ? "?" : Math.round(p.cost.startupSeconds)} s` : "—"),
    );
    const charts = h("div", { class: "charts" });
    S.charts[d.name] = {};
    for (const def of CHARTS) {
      const now = h("span", { class: "now" }, "—");
      const empty = h("div", { class: "empty" }, "no samples yet");
      const plotEl = h("div", { hidden: true });
      charts.append(h("div", { class: "chart", "data-chart": def.key }, h("div", { class: "title" }, h("span", {}, def.title), now), empty, plotEl));
      S.charts[d.name][def.key] = { now, empty, plotEl, plot: null };
    }
    const card = h(
      "article",
      { class: "card", id: `card-${d.name}`, "data-deployment": d.name },
      h("div", { class: "card-head" }, h("h3", {}, d.name), h("span", { class: "role" }, d.role), h("span", { class: "badge", "data-role": "state" }, "…")),
      h("div", { class: "model" }, d.modelId, h("span", { class: "muted" }, `  served as ${d.model}`)),
      facts,
      h("div", { class: "url" }, d.url),
      h("div", { class: "note", "data-role": "plan-note" }, p ? `cold start: ${p.coldStart}, compile cache ${p.compileCache ? "on" : "off"} · capacity ${p.capacity.verdict} · app ${d.app}` : `app ${d.app}`),
      h("div", { "data-role": "progress" }),
      h("div", { class: "phase", "data-role": "phase" }),
      h("div", { class: "actions" }, h("button", { class: "btn warn", "data-role": "wake", onclick: () => wake(d.name) }, "Wake (starts a container)"), h("span", { class: "note", "data-role": "metrics-note" })),
      charts,
    );
    root.append(card);
  }
  for (const d of S.deployments) {
    renderLive(d.name);
    updateCharts(d.name);
  }
  const select = $("logs-deployment");
  const chosen = select.value;
  select.replaceChildren(...S.deployments.map((d) => h("option", { value: d.name }, `${d.name} (${d.app})`)));
  if (chosen) select.value = chosen;
  const coder = S.deployments.find((d) => d.role === "coder");
  const vlm = S.deployments.find((d) => d.role === "vlm");
  $("chat-model").textContent = coder ? coder.model : "no coder deployment";
  $("vlm-model").textContent = vlm ? vlm.model : "no vlm deployment";
}

function renderLive(name) {
  const card = $(`card-${name}`);
  const live = S.live[name];
  const d = S.deployments.find((x) => x.name === name);
  if (!card || !live || !d) return;
  const badge = card.querySelector('[data-role="state"]');
  badge.dataset.state = live.state;
  badge.textContent = live.state === "warm" ? `warm · ${live.containers} container${live.containers === 1 ? "" : "s"}` : live.state;
  card.querySelector('[data-role="metrics-note"]').textContent = live.metricsNote ?? "";
  const wakeBtn = card.querySelector('[data-role="wake"]');
  wakeBtn.hidden = !(live.state === "scaled to zero" || live.state === "unknown");
  wakeBtn.disabled = Boolean(live.coldStart && !["healthy", "failed"].includes(live.coldStart.phase));
  wakeBtn.parentElement.hidden = wakeBtn.hidden && !live.metricsNote;
  const phase = card.querySelector('[data-role="phase"]');
  phase.replaceChildren();
  if (live.coldStart) phase.append("Cold start: ", h("b", {}, live.coldStart.phase), ` · ${live.coldStart.elapsedSeconds} s · ${live.coldStart.detail}`);
  const prog = S.progress[d.app];
  const slot = card.querySelector('[data-role="progress"]');
  slot.replaceChildren(...(prog ? [progressRow(prog)] : []));
  updateCoderHint();
}

function progressRow(p) {
  const fill = h("div", {});
  fill.style.width = `${p.percent}%`; // CSSOM, allowed by the page's style-src 'self'
  return h(
    "div",
    { class: "progress", title: p.lastLine ?? "", "data-app": p.app, "data-phase": p.phase },
    h("span", {}, `${p.op} · ${p.phase}`),
    h("div", { class: "bar", "data-state": p.state }, fill),
    h("span", { class: "muted" }, `${p.percent}% · ${clock(p.updatedAt)}`),
  );
}

// ---------- cost and launch progress ----------
function renderCost() {
  const sp = S.spend;
  const root = $("cost");
  if (!sp) return;
  const rows = S.deployments.map((d) => {
    const live = S.live[d.name] ?? {};
    const c = d.plan?.cost;
    return h(
      "tr",
      {},
      h("td", {}, d.name),
      h("td", { class: "num" }, c ? usd(c.usdPerWarmHour) : "—"),
      h("td", { class: "num" }, c ? usd(c.usdPerColdStart) : "—"),
      h("td", { class: "num" }, c ? usd(c.usdPerIdleTail) : "—"),
      h("td", { class: "num" }, live.burnUsdPerHour === undefined ? "—" : `${usd(live.burnUsdPerHour)}/h`),
      h("td", { class: "num" }, usd(live.watchedSpendUsd ?? 0)),
    );
  });
  root.replaceChildren(
    h(
      "div",
      { class: "cost-grid" },
      h("div", { class: "fact" }, h("div", { class: "k" }, "Burn rate now (est.)"), h("div", { class: "big" }, sp.burnUsdPerHour === undefined ? "—" : `${usd(sp.burnUsdPerHour)}/h`)),
      h("div", { class: "fact" }, h("div", { class: "k" }, "Watched spend (est.)"), h("div", { class: "big" }, usd(sp.watchedUsd)), h("div", { class: "note" }, `${int(sp.watchedWarmSeconds)} container-s warm`)),
      h("div", { class: "fact" }, h("div", { class: "k" }, "Actual spend (Modal)"), h("div", { class: "big" }, sp.actualUsd === null ? "n/a" : usd(sp.actualUsd))),
    ),
    h("table", {}, h("thead", {}, h("tr", {}, ...["deployment", "warm hour", "cold start", "idle tail", "burn now", "watched"].map((t, i) => h("th", { class: i ? "num" : "" }, t)))), h("tbody", {}, rows)),
    h("p", { class: "note warn", id: "actual-note" }, sp.actualNote ?? ""),
    h("p", { class: "note" }, "Estimates: GPU time at the plan's rates (docs/capacity.md); a scaled-to-zero app costs $0."),
  );
}

function renderDeploy() {
  const progress = Object.values(S.progress);
  $("deploy-progress").replaceChildren(
    ...(progress.length ? progress.map((p) => h("div", {}, h("div", { class: "note" }, p.app), progressRow(p))) : [h("p", { class: "note" }, "No deploy seen yet: run `pulumi up` in a terminal and it shows here as it happens.")]),
  );
  const pre = $("deploy-lines");
  pre.replaceChildren(...S.recent.slice(-60).map((e) => `${clock(e.at)} ${e.app} ${e.kind === "line" ? e.text : `[${e.kind}${e.op ? ` ${e.op}` : ""}]${e.text ? ` ${e.text}` : ""}`}\n`));
  pre.scrollTop = pre.scrollHeight;
}

// ---------- events ----------
function applyState(st) {
  S.deployments = st.deployments;
  S.live = Object.fromEntries(st.live.map((l) => [l.name, l]));
  S.history = st.history;
  S.progress = Object.fromEntries(st.deploy.progress.map((p) => [p.app, p]));
  S.recent = st.deploy.recent;
  S.spend = st.spend;
  $("stack").textContent = `stack ${st.stack}`;
  $("deploy-file").textContent = st.deploy.file;
  const problems = [st.planError, st.credentialsProblem && `playground and metrics unavailable: ${st.credentialsProblem}`].filter(Boolean);
  $("problems").hidden = problems.length === 0;
  $("problems").replaceChildren(...problems.map((p) => h("p", {}, p)));
  renderCards();
  renderCost();
  renderDeploy();
}

/** Handlers of this tab's calls' answers, by call id. */
const calls = new Map();
/** Answers whose call id is not known yet (they can beat the POST's reply), and other tabs' answers; bounded. */
const unclaimed = [];
function routeCallEvent(event, data) {
  const handler = calls.get(data.follow ?? data.chat);
  if (handler) return handler(event, data);
  unclaimed.push([event, data]);
  if (unclaimed.length > 500) unclaimed.shift();
}
/** Starts handling a call's answers, those already arrived first. */
function onCall(id, handler) {
  calls.set(id, handler);
  for (let i = 0; i < unclaimed.length; ) {
    const [event, data] = unclaimed[i];
    if ((data.follow ?? data.chat) === id) {
      unclaimed.splice(i, 1);
      handler(event, data);
    } else i++;
  }
}

function onEvent(event, data) {
  if (event === "hello") {
    S.stream = data.stream;
    api("/api/state").then(applyState, (err) => showStatus("down", err.message));
  } else if (event === "state") applyState(data);
  else if (event === "live") {
    S.live[data.name] = data;
    renderLive(data.name);
    updateCharts(data.name);
    fetchSpend();
  } else if (event === "sample") {
    const { name, sample } = data;
    (S.history[name] ??= []).push(sample);
    if (S.history[name].length > 180) S.history[name].shift();
    updateCharts(name);
  } else if (event === "deploy") {
    const { event: e, progress } = data;
    S.recent.push(e);
    if (progress) S.progress[progress.app] = progress;
    renderDeploy();
    for (const d of S.deployments) if (d.app === e.app) renderLive(d.name);
  } else {
    routeCallEvent(event, data);
  }
}

const STATUS_TEXT = {
  connecting: "connecting",
  live: "live",
  down: "reconnecting",
  restarted: "dashboard restarted",
  refused: "not authorized",
};
function showStatus(status, detail) {
  $("conn").dataset.state = status === "live" ? "live" : status === "connecting" ? "connecting" : "down";
  $("conn-text").textContent = STATUS_TEXT[status] ?? status;
  const banner = $("restarted");
  banner.hidden = !(status === "restarted" || status === "refused");
  banner.textContent =
    status === "restarted"
      ? "The dashboard this tab was talking to has restarted: open the URL it printed (it holds the new run's token). What this tab shows is no longer updated."
      : status === "refused"
        ? `This tab has no valid token: open the URL the dashboard printed. (${detail ?? ""})`
        : "";
}

function connect() {
  if (!token()) {
    showStatus("refused", "no token in this tab's URL");
    return;
  }
  const onStatus = (status, detail) => {
    showStatus(status, detail);
    if (status !== "live") S.stream = null;
  };
  if (typeof SharedWorker === "function") {
    const worker = new SharedWorker("/assets/events-worker.js", { type: "module", name: "qcm-dashboard-events" });
    worker.port.onmessage = (m) => (m.data.kind === "status" ? onStatus(m.data.status, m.data.detail) : onEvent(m.data.event, m.data.data));
    worker.port.start();
    worker.port.postMessage({ token: token() });
    window.addEventListener("pagehide", () => worker.port.postMessage({ bye: true }));
  } else {
    connectEvents(token, onEvent, onStatus);
  }
}

/** Recomputes the cost totals from the live pictures (same sums as the server's spend view). */
function fetchSpend() {
  if (!S.spend) return;
  const lives = Object.values(S.live);
  const rates = lives.map((l) => l.burnUsdPerHour).filter((r) => r !== undefined);
  S.spend = {
    ...S.spend,
    burnUsdPerHour: rates.length ? rates.reduce((a, b) => a + b, 0) : undefined,
    watchedUsd: lives.reduce((a, l) => a + l.watchedSpendUsd, 0),
    watchedWarmSeconds: lives.reduce((a, l) => a + l.watchedWarmSeconds, 0),
  };
  renderCost();
}

async function wake(name) {
  await api(`/api/wake/${encodeURIComponent(name)}`, {}).catch((err) => alertNote(name, err.message));
}
function alertNote(name, text) {
  const note = $(`card-${name}`)?.querySelector('[data-role="metrics-note"]');
  if (note) note.textContent = text;
}

// ---------- logs ----------
let follow = null;
function stopLogs(message) {
  if (follow) {
    calls.delete(follow);
    void api("/api/logs/stop", { follow }).catch(() => undefined);
  }
  follow = null;
  $("logs-follow").textContent = "Follow";
  if (message) appendLog(message, true);
}
function appendLog(text, muted = false) {
  const pre = $("logs");
  if (pre.dataset.started !== "1") {
    pre.replaceChildren();
    pre.dataset.started = "1";
  }
  pre.append(muted ? h("span", { class: "muted" }, `${text}\n`) : `${text}\n`);
  while (pre.childNodes.length > 2000) pre.firstChild.remove();
  pre.scrollTop = pre.scrollHeight;
}
$("logs-follow").addEventListener("click", async () => {
  if (follow) return stopLogs("[stopped]");
  const name = $("logs-deployment").value;
  if (!name || !S.stream) return;
  appendLog(`[modal app logs ${name} --follow]`, true);
  $("logs-follow").textContent = "Stop";
  try {
    const started = await api("/api/logs", { deployment: name, stream: S.stream });
    follow = started.follow;
    onCall(follow, (event, data) => {
      if (event === "log") appendLog(data.line);
      else if (event === "log-end") {
        calls.delete(data.follow);
        follow = null;
        stopLogs(`[ended${data.exitCode !== undefined ? `: exit ${data.exitCode}` : ""}${data.reason ? `: ${data.reason}` : ""}]`);
      }
    });
  } catch (err) {
    stopLogs(`[${err.message}]`);
  }
});
$("logs-clear").addEventListener("click", () => {
  $("logs").replaceChildren();
});

// ---------- playground: chat ----------
const chat = [];
function updateCoderHint() {
  const coder = S.deployments.find((d) => d.role === "coder");
  const vlm = S.deployments.find((d) => d.role === "vlm");
  const hint = (d) => {
    const state = d && S.live[d.name]?.state;
    return state === "scaled to zero" ? "Scaled to zero: sending starts a container (a cold start, billed as GPU time)." : state === "warm" ? "Warm: answers right away." : "";
  };
  $("chat-hint").textContent = hint(coder);
  $("vlm-hint").textContent = hint(vlm);
}

$("chat-input").addEventListener("keydown", (e) => {
  if (e.key === "Enter" && !e.shiftKey) {
    e.preventDefault();
    $("chat-form").requestSubmit();
  }
});
$("chat-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const text = $("chat-input").value.trim();
  if (!text) return;
  $("chat-input").value = "";
  chat.push({ role: "user", content: text });
  const box = $("chat");
  box.append(h("div", { class: "msg user" }, text));
  const reasoning = h("div", { class: "reasoning", hidden: true });
  const content = h("span", {});
  const bubble = h("div", { class: "msg assistant", "data-role": "answer" }, reasoning, content);
  box.append(bubble);
  box.scrollTop = box.scrollHeight;
  $("chat-send").disabled = true;
  let answer = "";
  try {
    if (!S.stream) throw new Error("not connected to the dashboard");
    const { chat: id } = await api("/api/chat", { messages: chat, stream: S.stream });
    const end = await new Promise((resolve, reject) =>
      onCall(id, (event, data) => {
        if (event === "chat") {
          if (data.reasoning) {
            reasoning.hidden = false;
            reasoning.textContent += data.reasoning;
          }
          if (data.content) {
            answer += data.content;
            content.textContent = answer;
          }
          box.scrollTop = box.scrollHeight;
        } else if (event === "chat-end") {
          calls.delete(id);
          if (data.error) reject(new Error(data.error));
          else resolve(data);
        }
      }),
    );
    bubble.dataset.finish = end.finish ?? "";
    $("chat-hint").textContent = `finish: ${end.finish ?? "?"}${end.completionTokens ? ` · ${end.completionTokens} tokens` : ""}`;
    chat.push({ role: "assistant", content: answer });
  } catch (err) {
    bubble.classList.add("error");
    content.textContent = `${answer}${answer ? "\n" : ""}error: ${err.message}`;
    chat.pop();
  } finally {
    $("chat-send").disabled = false;
  }
});

// ---------- playground: image question ----------
let imageBase64 = null;
function takeFile(file) {
  if (!file) return;
  const reader = new FileReader();
  reader.onload = () => {
    const url = String(reader.result);
    imageBase64 = url.slice(url.indexOf(",") + 1);
    $("vlm-preview").src = url;
    $("vlm-preview").hidden = false;
    $("drop-text").textContent = `${file.name} · ${int(file.size)} bytes`;
  };
  reader.readAsDataURL(file);
}
const drop = $("drop");
drop.addEventListener("click", () => $("vlm-file").click());
drop.addEventListener("keydown", (e) => e.key === "Enter" && $("vlm-file").click());
$("vlm-file").addEventListener("change", (e) => takeFile(e.target.files[0]));
drop.addEventListener("dragover", (e) => {
  e.preventDefault();
  drop.classList.add("over");
});
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", (e) => {
  e.preventDefault();
  drop.classList.remove("over");
  takeFile(e.dataTransfer.files[0]);
});
$("vlm-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const out = $("vlm-answer");
  if (!imageBase64) {
    out.textContent = "Drop an image first.";
    return;
  }
  $("vlm-ask").disabled = true;
  out.textContent = "asking… (a cold start can take minutes)";
  try {
    const body = await api("/api/vlm", { question: $("vlm-question").value, image: imageBase64 });
    out.replaceChildren(
      h("div", { "data-role": "vlm-answer" }, body.answer),
      ...(body.reasoning ? [h("details", { class: "reasoning" }, h("summary", {}, "reasoning"), body.reasoning)] : []),
    );
  } catch (err) {
    out.textContent = `error: ${err.message}`;
  } finally {
    $("vlm-ask").disabled = false;
  }
});

window.addEventListener("resize", () => {
  for (const byKey of Object.values(S.charts)) for (const slot of Object.values(byKey)) slot.plot?.setSize({ width: Math.max(150, slot.plotEl.clientWidth - 4), height: 86 });
});

connect();

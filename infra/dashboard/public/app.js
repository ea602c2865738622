// The dashboard page. The token comes in the URL's fragment (#token=, never sent to a server),
// moves to this origin's localStorage and goes out as an Authorization header on every call.
// Events come through the browser's one stream (events-worker.js, a SharedWorker all tabs share;
// events.js directly where there is no SharedWorker): `hello` (this stream's id), `state`, `live`,
// `sample`, `deploy`, and the answers of this tab's calls (`log`/`log-end`, `chat`/`chat-end`)
// tagged with the call's id. Charts: uPlot (global, from /vendor/uplot.js). Text from the server
// is always set with textContent (logs may hold markup).
import { connectEvents } from "/assets/events.js";

const $ = (id) => document.getElementById(id);
const S = { deployments: [], live: {}, history: {}, progress: {}, recent: [], spend: null, charts: {}, stream: null, range: "hour" };
/** Samples kept in the page for the hour range (the server keeps everything in its history database). */
const HOUR = 3600;

// ---------- token and calls ----------
const TOKEN_KEY = "qcm-dashboard-token";
/** Moves a `#token=` from the address bar into storage; true when there was one. */
function takeTokenFromUrl() {
  const fromUrl = new URLSearchParams(location.hash.slice(1)).get("token");
  if (!fromUrl) return false;
  localStorage.setItem(TOKEN_KEY, fromUrl);
  history.replaceState(null, "", location.pathname);
  return true;
}
takeTokenFromUrl();
const token = () => localStorage.getItem(TOKEN_KEY);
/** Called with the new token when a restarted dashboard's URL is pasted into this tab (same page: only the fragment changes). */
let onNewToken = () => {};
window.addEventListener("hashchange", () => takeTokenFromUrl() && onNewToken(token()));

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
const secs = (v) => (v === undefined ? "—" : v < 1 ? `${Math.round(v * 1000)} ms` : `${v.toFixed(2)} s`);
/** The charts: what each plots (sample field, colour, scale) and its current value. All fields come from the server's samples. */
const CHARTS = [
  { key: "requests", title: "Requests", series: [["running", "#7aa2ff"], ["waiting", "#d29922"]], now: (s) => `${int(s.running)} run · ${int(s.waiting)} wait` },
  { key: "kv", title: "KV cache", series: [["kvCacheUsage", "#bc8cff", (v) => v * 100]], now: (s) => pct(s.kvCacheUsage), max: 100 },
  { key: "gen", title: "Generation tok/s", series: [["generationTps", "#3fb950"]], now: (s) => (s.generationTps === undefined ? "—" : s.generationTps.toFixed(1)) },
  { key: "prompt", title: "Prompt tok/s", series: [["promptTps", "#58a6ff"]], now: (s) => (s.promptTps === undefined ? "—" : s.promptTps.toFixed(1)) },
  { key: "prefix", title: "Prefix-cache hit rate", series: [["prefixCacheHitRate", "#f778ba", (v) => v * 100]], now: (s) => pct(s.prefixCacheHitRate), max: 100, idle: "no prompt tokens in the window" },
  { key: "ttft", title: "TTFT p50 / p90", series: [["ttftP50", "#ffa657"], ["ttftP90", "#f85149"]], now: (s) => `${secs(s.ttftP50)} / ${secs(s.ttftP90)}`, idle: "no first token in the window" },
  { key: "itl", title: "Inter-token p50 / p90", series: [["itlP50", "#56d4dd"], ["itlP90", "#1f6feb"]], now: (s) => `${secs(s.itlP50)} / ${secs(s.itlP90)}`, idle: "no token in the window" },
  { key: "e2e", title: "End-to-end latency p50 / p90", series: [["e2eP50", "#a5d6ff"], ["e2eP90", "#d2a8ff"]], now: (s) => `${secs(s.e2eP50)} / ${secs(s.e2eP90)}`, idle: "no request finished in the window" },
  { key: "spec", title: "Spec-decode acceptance", series: [["specDecodeAcceptance", "#7ee787", (v) => v * 100]], now: (s) => pct(s.specDecodeAcceptance), max: 100, idle: "speculative decoding off, or no drafts in the window" },
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
  // No sample at all in the range: one line instead of a grid of empty charts.
  const card = $(`card-${name}`);
  if (card) {
    card.querySelector('[data-role="charts"]').hidden = samples.length === 0;
    const note = card.querySelector('[data-role="charts-note"]');
    note.hidden = samples.length > 0;
    note.textContent = S.live[name]?.state === "warm" ? "Charts: no samples yet (the first arrives within one refresh)." : `Charts: no samples in the last ${S.range}: no running container was polled (asking would start one).`;
  }
  for (const def of CHARTS) {
    const slot = S.charts[name]?.[def.key];
    if (!slot) continue;
    const has = samples.some((s) => def.series.some(([f]) => s[f] !== undefined));
    const last = [...samples].reverse().find((s) => def.series.some(([f]) => s[f] !== undefined));
    slot.now.textContent = last ? def.now(last) : "—";
    slot.empty.textContent = samples.length ? def.idle ?? "no samples yet" : S.live[name]?.state === "warm" ? "no samples yet" : `no samples in the last ${S.range}: no running container was polled`;
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
    const charts = h("div", { class: "charts", "data-role": "charts" });
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
      controlsFor(d),
      h("p", { class: "note", "data-role": "charts-note", hidden: true }),
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
      ...sp.actual.map((a) =>
        h(
          "div",
          { class: "fact", "data-role": "actual", "data-source": a.source },
          h("div", { class: "k" }, `Actual spend · ${a.source}`),
          h("div", { class: "big" }, a.reading ? usd(a.reading.usd) : "n/a"),
          h("div", { class: "note" }, a.reading ? `${a.reading.period} · read ${clock(a.reading.t * 1000)}` : a.problem ? "" : "reading…"),
        ),
      ),
    ),
    h("table", {}, h("thead", {}, h("tr", {}, ...["deployment", "warm hour", "cold start", "idle tail", "burn now", "watched"].map((t, i) => h("th", { class: i ? "num" : "" }, t)))), h("tbody", {}, rows)),
    ...sp.actual.filter((a) => a.problem).map((a) => h("p", { class: "note warn", "data-role": "actual-problem" }, `${a.source}: ${a.problem}`)),
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
  const problems = [
    st.configProblem && `No deployments to show: ${st.configProblem}. \`pulumi up\` writes the endpoint config when it deploys; or pass --config FILE. The dashboard reads it at start: restart it afterwards.`,
    st.planError,
    st.credentialsProblem && st.deployments.length > 0 && `playground and metrics unavailable: ${st.credentialsProblem}`,
  ].filter(Boolean);
  $("problems").hidden = problems.length === 0;
  $("problems").replaceChildren(...problems.map((p) => h("p", {}, p)));
  S.deployStack = st.deployStack;
  renderStack(st.deployStack.progress);
  renderCards();
  renderCost();
  renderDeploy();
  if (S.range !== "hour") void loadRange(S.range);
}

/** Shows a chart range: the hour from the state, a day or a week from the server's history database. */
async function loadRange(range) {
  S.range = range;
  for (const b of document.querySelectorAll("[data-range]")) b.setAttribute("aria-pressed", String(b.dataset.range === range));
  const history = await api(`/api/history?range=${range}`);
  S.history = history.samples;
  for (const d of S.deployments) updateCharts(d.name);
}
for (const b of document.querySelectorAll("[data-range]")) b.addEventListener("click", () => void loadRange(b.dataset.range).catch((err) => alert(err.message)));

// ---------- pulumi preview / up (Automation API on the server) ----------
/** The last preview's change summary, for the Up confirmation. */
let lastPreview = null;
function renderStack(progress) {
  const ds = S.deployStack;
  $("stack-name").textContent = ds?.name ? `stack ${ds.name}:` : ds?.problem ?? "";
  $("stack-preview").disabled = !ds?.name || progress?.state === "running";
  if (progress?.op === "preview" && progress.state === "done") lastPreview = progress.changes;
  $("stack-up").disabled = !ds?.name || !lastPreview || progress?.state === "running";
  if (!progress) return;
  const fill = h("div", {});
  fill.style.width = `${progress.percent}%`;
  const changes = progress.changes ? Object.entries(progress.changes).map(([op, n]) => `${op} ${n}`).join(", ") : "";
  $("stack-progress").replaceChildren(
    h(
      "div",
      { class: "progress", "data-op": progress.op, "data-state": progress.state, "data-percent": progress.percent },
      h("span", {}, `pulumi ${progress.op} · ${progress.state}`),
      h("div", { class: "bar", "data-state": progress.state === "failed" ? "failed" : progress.state === "done" ? "done" : "running" }, fill),
      h("span", { class: "muted" }, `${progress.percent}%${progress.total ? ` · ${progress.done}/${progress.total} resources` : ""}`),
    ),
    h("div", { class: "note", "data-role": "stack-line" }, progress.error ?? (changes || progress.line || "")),
  );
}
$("stack-preview").addEventListener("click", () => void api("/api/stack/preview", {}).catch((err) => alert(err.message)));
$("stack-up").addEventListener("click", () => {
  const changes = lastPreview ? Object.entries(lastPreview).map(([op, n]) => `${op} ${n}`).join(", ") : "unknown";
  const rates = S.deployments.filter((d) => d.plan).map((d) => `${d.name} ${usd(d.plan.cost.usdPerWarmHour)}/warm hour, ${usd(d.plan.cost.usdPerColdStart)}/cold start`);
  const cost = rates.length ? rates.join("; ") : "see `qwen-code-modal plan`";
  if (!confirm(`Run pulumi up on stack ${S.deployStack.name}?\n\nThe last preview: ${changes}.\nA deployed app costs nothing while scaled to zero; GPU time when it runs: ${cost}.`)) return;
  void api("/api/stack/up", {}).catch((err) => alert(err.message));
});

// ---------- bench results ----------
async function loadBench() {
  const { results } = await api("/api/bench");
  const ms = (v) => (v === null || v === undefined ? "—" : `${Math.round(v)} ms`);
  $("bench").replaceChildren(
    results.length
      ? h(
          "table",
          {},
          h("thead", {}, h("tr", {}, ...["config hash", "deployment", "when", "TTFT later turns p50", "prefix-cache hits", "decode tok/s (all streams)", "$/M generated"].map((t, i) => h("th", { class: i > 2 ? "num" : "" }, t)))),
          h(
            "tbody",
            {},
            results.map((r) =>
              h(
                "tr",
                { "data-config-hash": r.configHash },
                h("td", { title: r.configHash }, h("code", {}, r.configHash.slice(0, 12))),
                h("td", {}, r.deployment),
                h("td", {}, new Date(r.at).toLocaleString("en-GB")),
                h("td", { class: "num" }, ms(r.result.ttft?.laterTurnsMs?.p50)),
                h("td", { class: "num" }, pct(r.result.prefixCache?.hitRate)),
                h("td", { class: "num" }, r.result.decode?.aggregateTokensPerSecond?.toFixed(1) ?? "—"),
                h("td", { class: "num" }, r.result.cost?.usdPerMillionGeneratedTokens == null ? "—" : usd(r.result.cost.usdPerMillionGeneratedTokens)),
              ),
            ),
          ),
        )
      : h("p", { class: "note" }, "No bench results yet: `qwen-code-modal bench` saves one per deployment and config hash."),
  );
}

// ---------- controls: warm / cool / roll back ----------
/** Runs a control after the user confirms it (the text names what it does and costs); shows the command's answer on the card. */
async function control(name, question, path, body) {
  if (!confirm(question)) return;
  const out = $(`card-${name}`)?.querySelector('[data-role="control-out"]');
  if (out) out.textContent = "working…";
  try {
    const answer = await api(path, body);
    if (out) out.textContent = answer.output;
  } catch (err) {
    if (out) out.textContent = `failed: ${err.message}`;
  }
}
function warmHoursCost(d, hours) {
  const rate = d.plan?.cost?.usdPerWarmHour;
  return rate === undefined ? "cost unknown (no plan figures)" : `about ${usd(rate * hours)} (${usd(rate)}/h × ${hours} h, one container)`;
}
function controlsFor(d) {
  const hours = h("input", { type: "number", min: "0.25", max: "24", step: "0.25", value: "2", "aria-label": "hours", "data-role": "warm-hours", class: "hours" });
  const versions = h("select", { "data-role": "versions", hidden: true, "aria-label": "version" });
  const rollback = h("button", { class: "btn ghost", "data-role": "rollback", hidden: true }, "Roll back");
  rollback.addEventListener("click", () => {
    const v = Number(versions.value);
    void control(d.name, `Roll ${d.app} back to v${v}?\n\nModal redeploys that version (rolling: the running containers are replaced as new ones start; an idle app stays scaled to zero and costs nothing until a request comes).`, "/api/rollback", { deployment: d.name, version: v });
  });
  const list = h("button", { class: "btn ghost", "data-role": "list-versions" }, "Versions…");
  list.addEventListener("click", async () => {
    try {
      const { versions: rows } = await api(`/api/versions/${encodeURIComponent(d.name)}`);
      versions.replaceChildren(...rows.map((r) => h("option", { value: r.version }, `v${r.version} · ${r.deployedAt ?? "?"}${r.tag ? ` · ${r.tag}` : ""}`)));
      versions.hidden = rollback.hidden = rows.length === 0;
    } catch (err) {
      alertNote(d.name, err.message);
    }
  });
  return h(
    "div",
    { class: "actions controls-row" },
    h("button", { class: "btn warn", "data-role": "warm", onclick: () => void control(d.name, `Keep ${d.name} warm for ${hours.value} h?\n\nOne container stays up (billed every second) until a timer cools it: ${warmHoursCost(d, Number(hours.value))}.`, "/api/warm", { deployment: d.name, hours: Number(hours.value) }) }, "Warm for"),
    hours,
    h("span", { class: "note" }, "h"),
    h("button", { class: "btn ghost", "data-role": "cool", onclick: () => void control(d.name, `Cool ${d.name}? It scales to zero after its idle window (no cost while at zero).`, "/api/cool", { deployment: d.name }) }, "Cool"),
    list,
    versions,
    rollback,
    h("span", { class: "note", "data-role": "control-out" }),
  );
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
    void loadBench().catch(() => undefined);
  } else if (event === "state") applyState(data);
  else if (event === "live") {
    S.live[data.name] = data;
    renderLive(data.name);
    updateCharts(data.name);
    fetchSpend();
  } else if (event === "sample") {
    const { name, sample } = data;
    if (S.range !== "hour") return;
    const kept = (S.history[name] ??= []);
    kept.push(sample);
    while (kept.length && kept[0].t < sample.t - HOUR) kept.shift();
    updateCharts(name);
  } else if (event === "stack") {
    renderStack(data);
  } else if (event === "spend") {
    S.spend = data;
    renderCost();
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
    onNewToken = () => connect();
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
    onNewToken = (t) => worker.port.postMessage({ token: t });
    window.addEventListener("pagehide", () => worker.port.postMessage({ bye: true }));
  } else {
    const connection = connectEvents(token, onEvent, onStatus);
    onNewToken = () => connection.reconnect();
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
// The answer as markdown, through markdown-it (global from /vendor/markdown-it.js) with raw HTML
// off: a tag in the answer is escaped into text; links pass markdown-it's validateLink (no
// javascript:, vbscript:, file:, non-image data:); the page's CSP blocks any script and remote image.
const markdown = window.markdownit({ html: false, linkify: false, typographer: false });
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
  const content = h("div", { class: "md", "data-role": "answer-text" });
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
            content.innerHTML = markdown.render(answer); // raw HTML off: markup in the answer is shown as text
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

// The web dashboard: five hash-routed views over the published files (see docs/dashboard.md).
import { CHECKS, bridgeFlag, dataFolder, int, list, loadCsv, loadJson, num, obj, slugify } from "./data.js";

const SOURCES = [
  { key: "github", code: "GH", name: "GitHub", score: "github_score", color: "#1f5fa8" },
  { key: "stackoverflow", code: "SO", name: "Stack Overflow", score: "so_score", color: "#9c4a00" },
  { key: "reddit", code: "RD", name: "Reddit", score: "reddit_score", color: "#b3261e" },
];
const V1_WEIGHTS = { github: 0.4, stackoverflow: 0.35, reddit: 0.25 };
const INK = "#1d232a";
const PALETTE = ["#1f5fa8", "#9c4a00", "#b3261e", "#1b7a3a", "#6f3fb0", "#00707a", "#8a2d6b", "#4d5b00"];
const state = { base: "assets/data/", rejected: null, bridge: { on: true, from: "config.json" }, charts: [] };

// ---------------------------------------------------------------- small DOM helpers (text only: never innerHTML)

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

const fmt = (v, digits = 2) => (v === null || v === undefined ? "—" : Number(v).toFixed(digits));
const fmtInt = (v) => (v === null || v === undefined ? "—" : Number(v).toLocaleString("en-US"));
const signed = (v, digits = 2) => (v === null || v === undefined ? "—" : `${v > 0 ? "+" : ""}${Number(v).toFixed(digits)}`);

function table(caption, headers, rows) {
  // The wrapper scrolls sideways on a phone; it is focusable so the keyboard can scroll it too.
  return el(
    "div",
    { class: "table-wrap", tabindex: "0", role: "region", "aria-label": caption },
    el(
      "table",
      {},
      el("caption", { text: caption }),
      el("thead", {}, el("tr", {}, headers.map((h) => el("th", { scope: "col", text: h })))),
      el("tbody", {}, rows.map((r) => el("tr", {}, r.map((c) => el("td", {}, c))))),
    ),
  );
}

// ---------------------------------------------------------------- a view: cards, notes, charts

class View {
  constructor(root) {
    this.root = root;
    this.notes = el("div", { class: "notes", "aria-live": "polite" });
    root.append(this.notes);
  }

  title(text, sub) {
    const h = el("h1", { tabindex: "-1", text });
    this.notes.before(h);
    if (sub) this.notes.before(el("p", { class: "sub", text: sub }));
    return h;
  }

  degraded(file, reason, instead, consequence) {
    const tail = instead ? ` — showing ${instead} instead.` : consequence ? `: ${consequence}.` : ".";
    this.notes.append(el("p", { class: "note degraded", "data-file": file, role: "status" }, el("strong", { text: "Degraded: " }), `${file} ${reason}${tail}`));
  }

  info(text) {
    this.notes.append(el("p", { class: "note info", text }));
  }

  card(title, source) {
    const card = el("section", { class: "card", "data-source": source || "none" }, el("h2", { text: title }));
    if (source) card.append(el("p", { class: "source", text: `Source: ${source}` }));
    this.root.append(card);
    return card;
  }

  empty(card, text) {
    card.append(el("p", { class: "empty", text }));
  }

  // A chart plus its text alternative: the same numbers as a table, and an aria description on the canvas.
  chart(card, { label, config, caption, headers, rows, height = 300 }) {
    const canvas = el("canvas", { role: "img", "aria-label": label });
    const box = el("div", { class: "chart", style: `height:${height}px` }, canvas);
    const details = el("details", {}, el("summary", { text: `Data table: ${caption}` }), table(caption, headers, rows));
    card.append(box, details);
    if (typeof window.Chart !== "function") {
      box.replaceWith(el("p", { class: "note info", text: "The chart library did not load; the table below has the data." }));
      details.open = true;
      return;
    }
    state.charts.push(new window.Chart(canvas, config));
  }
}

// A scale with its title, e.g. axis("questions", { beginAtZero: true }).
const axis = (text, extra = {}) => ({ title: { display: true, text }, ...extra });

// The Chart.js options of one chart on top of what every chart shares (sized by its box, no animation, a legend
// in the text colour, tooltips): `scales` per axis (see axis), `horizontal` bars along x, `stacked` stacks x and y,
// `legend: false` hides the legend, `label` formats a tooltip line.
function chartOptions({ scales = {}, horizontal = false, stacked = false, legend = true, label } = {}) {
  const merged = stacked ? { x: { stacked: true }, y: { stacked: true } } : {};
  for (const [key, scale] of Object.entries(scales)) merged[key] = { ...merged[key], ...scale };
  return {
    responsive: true,
    maintainAspectRatio: false,
    animation: false,
    indexAxis: horizontal ? "y" : "x",
    scales: merged,
    plugins: {
      legend: legend ? { labels: { color: INK } } : { display: false },
      tooltip: label ? { enabled: true, callbacks: { label } } : { enabled: true },
    },
  };
}

// Loads a bridge file when the flag is on; on any failure a degraded note names it and the CSV is used.
async function bridgeOrCsv(view, jsonFile, csvFile) {
  if (state.bridge.on) {
    const json = await loadJson(state.base, jsonFile, CHECKS[jsonFile]);
    if (json.ok) return { json: json.doc, source: jsonFile };
    view.degraded(jsonFile, json.reason, csvFile);
  }
  const csv = await loadCsv(state.base, csvFile);
  if (csv.ok) return { csv: csv.rows, source: csvFile };
  view.degraded(csvFile, csv.reason);
  return { source: null };
}

async function csvOnly(view, file) {
  const csv = await loadCsv(state.base, file);
  if (!csv.ok) view.degraded(file, csv.reason);
  return csv.ok ? csv.rows : null;
}

// ---------------------------------------------------------------- run manifest: header line and health badge

async function manifest(view) {
  const got = await loadJson(state.base, "run_manifest.json");
  if (!got.ok) view.degraded("run_manifest.json", got.reason, null, "the run, its period and freshness are unknown");
  return got.ok ? got.doc : null;
}

function newestUpdate(m) {
  const stamps = list(m?.dataset_summaries).map((d) => Date.parse(d.updated_at_utc)).filter(Number.isFinite);
  const fallback = [m?.generated_at_utc, m?.source_window_end_utc].map((t) => Date.parse(t)).filter(Number.isFinite);
  const all = stamps.length ? stamps : fallback;
  return all.length ? new Date(Math.max(...all)) : null;
}

function availableSources(m) {
  const names = Array.isArray(m?.available_sources) ? m.available_sources : m?.degradation?.available;
  return Array.isArray(names) ? SOURCES.filter((s) => names.includes(s.key)).map((s) => s.key) : null;
}

// The weights the run used: the manifest's own record when it has one, else V1's over the available sources.
function effectiveWeights(m) {
  const recorded = obj(m?.degradation?.weights) || obj(m?.weights) || obj(m?.effective_weights);
  if (recorded) return { weights: recorded, how: "recorded by the run" };
  const avail = availableSources(m) || SOURCES.map((s) => s.key);
  const total = avail.reduce((a, k) => a + V1_WEIGHTS[k], 0);
  const weights = Object.fromEntries(SOURCES.map((s) => [s.key, avail.includes(s.key) ? V1_WEIGHTS[s.key] / total : 0]));
  return { weights, how: "V1 weights over the available sources" };
}

function freshness(updated, days) {
  if (!updated) return "unknown";
  const when = `updated ${updated.toISOString().slice(0, 10)}`;
  if (days < 0) return `${when} (later than this computer's clock)`;
  const age = days === 0 ? "today" : `${days} day${days === 1 ? "" : "s"} ago`;
  return `${when} (${age}${days > 8 ? "; stale: the weekly run is overdue" : ""})`;
}

function headerLine(m) {
  const start = Date.parse(m?.source_window_start_utc);
  const end = Date.parse(m?.source_window_end_utc);
  const period = Number.isFinite(start) && Number.isFinite(end) ? `${new Date(start).getUTCFullYear()}–${new Date(end).getUTCFullYear()}` : "last 12 months";
  const updated = newestUpdate(m);
  const when = updated ? updated.toISOString().slice(0, 16).replace("T", " ") : "not available";
  document.getElementById("period").textContent = `Analysis period: ${period} · Last updated (UTC): ${when}`;
}

function healthBadge(view, m) {
  const card = view.card("Data health", m ? "run_manifest.json" : null);
  card.classList.add("health");
  if (!m) {
    view.empty(card, "No run manifest: gate status, freshness and sources are unknown.");
    return;
  }
  const status = typeof m.quality_gate_status === "string" ? m.quality_gate_status : "unknown";
  const updated = newestUpdate(m);
  const days = updated ? Math.floor((Date.now() - updated.getTime()) / 86400000) : null;
  const avail = availableSources(m);
  const { weights, how } = effectiveWeights(m);
  const run = [m.run_id && `run ${m.run_id}`, m.run_date && `date ${m.run_date}`, m.generated_at_utc && `generated ${m.generated_at_utc}`].filter(Boolean).join(" · ");
  const rows = [
    ["Quality gate", el("span", { class: `status ${status}`, text: status.replaceAll("_", " ") })],
    ["Freshness", freshness(updated, days)],
    ["Sources", avail ? `${avail.length}/3: ${avail.map((k) => SOURCES.find((s) => s.key === k).name).join(", ") || "none"}` : "unknown"],
    ["Weights", `${SOURCES.map((s) => `${s.name} ${fmt(num(weights[s.key]) ?? 0)}`).join(" · ")} (${how})`],
    ["Run", run || "unknown"],
  ];
  if (m.degraded_mode === true) rows.push(["Mode", "degraded: fewer than three sources"]);
  if (typeof m.notes === "string" && m.notes) rows.push(["Notes", m.notes]);
  card.append(el("dl", {}, rows.flatMap(([k, v]) => [el("dt", { text: k }), el("dd", {}, v)])));
}

// ---------------------------------------------------------------- home

function csvRanking(rows, limit = 15) {
  return rows
    .filter((r) => r.tecnologia)
    .map((r) => {
      const item = { ranking: int(r.ranking), tecnologia: r.tecnologia, slug: slugify(r.tecnologia), fuentes: int(r.fuentes) ?? 0, trend_score: num(r.trend_score) ?? 0 };
      for (const s of SOURCES) item[s.score] = num(r[s.score]) ?? 0;
      return item;
    })
    .sort((a, b) => (a.ranking ?? 1e9) - (b.ranking ?? 1e9))
    .slice(0, limit);
}

function movement(item, hasPrevious) {
  const d = int(item.delta_ranking);
  if (d !== null) return d > 0 ? `▲ ${d}` : d < 0 ? `▼ ${-d}` : "= 0";
  return hasPrevious && item.ranking_prev === null ? "new" : "—";
}

async function home(view) {
  view.title("Technology trends", "Weekly trend score from GitHub, Stack Overflow and Reddit");
  const m = await manifest(view);
  headerLine(m);
  const { weights } = effectiveWeights(m);
  const got = await bridgeOrCsv(view, "trend_score_history.json", "trend_score.csv");
  const card = view.card("Ranking", got.source);
  let items = [];
  let compare = null;
  if (got.json) {
    const snaps = got.json.snapshots;
    const last = snaps.at(-1);
    const prev = snaps.length > 1 ? snaps.at(-2) : null;
    items = list(last.top_10);
    compare = prev ? `Compared (UTC): ${prev.date} → ${last.date}` : `Snapshot (UTC): ${last.date}`;
  } else if (got.csv) {
    items = csvRanking(got.csv);
    compare = "From the CSV: no week-over-week movement.";
  }
  if (compare) card.append(el("p", { class: "sub", text: compare }));
  if (!items.length) {
    view.empty(card, got.source ? "No technologies in this ranking." : "No ranking: neither trend_score_history.json nor trend_score.csv is usable.");
  } else {
    const hasPrev = Boolean(got.json && got.json.snapshots.length > 1);
    const FILTERS = [
      ["all", `all (${items.length})`, (xs) => xs],
      ["top5", "top 5", (xs) => xs.slice(0, 5)],
      ["multi", "in 2 or more sources", (xs) => xs.filter((r) => (int(r.fuentes) ?? 0) >= 2)],
    ];
    const select = el("select", { id: "rank-view", "aria-label": "Ranking view" }, FILTERS.map(([k, name]) => el("option", { value: k, text: name })));
    card.append(el("label", { for: "rank-view", class: "picker" }, "Show: "), select);
    const slot = el("div");
    card.append(slot);
    const draw = () => {
      for (const c of state.charts.filter((c) => slot.contains(c.canvas))) c.destroy();
      state.charts = state.charts.filter((c) => !slot.contains(c.canvas));
      slot.replaceChildren();
      const shown = FILTERS.find(([k]) => k === select.value)[2](items);
      if (!shown.length) {
        slot.append(el("p", { class: "empty", text: "No technology in this view." }));
        return;
      }
      const top = shown.slice(0, 10);
      view.chart(slot, {
        label: `Trend score of the top ${top.length} technologies, split into each source's weighted contribution`,
        height: 40 + top.length * 30,
        config: {
          type: "bar",
          data: {
            labels: top.map((r) => r.tecnologia),
            datasets: SOURCES.map((s) => ({
              label: `${s.name} (× ${fmt(num(weights[s.key]) ?? 0)})`,
              data: top.map((r) => Number(((num(r[s.score]) ?? 0) * (num(weights[s.key]) ?? 0)).toFixed(2))),
              backgroundColor: s.color,
            })),
          },
          options: chartOptions({ horizontal: true, stacked: true, scales: { x: axis("trend score (weighted contribution per source)", { min: 0 }) } }),
        },
        caption: "each source's contribution = weight × sub-score",
        headers: ["technology", ...SOURCES.map((s) => s.name), "trend score"],
        rows: top.map((r) => [r.tecnologia, ...SOURCES.map((s) => fmt((num(r[s.score]) ?? 0) * (num(weights[s.key]) ?? 0))), fmt(num(r.trend_score))]),
      });
      slot.append(
        table(
          "Ranking with sub-scores (0–100) and movement since the previous week",
          ["#", "technology", "trend", "GitHub", "Stack Overflow", "Reddit", "sources", "rank move", "score Δ"],
          shown.map((r) => [
            String(int(r.ranking) ?? "—"),
            el("a", { href: `#/trends/${r.slug || slugify(r.tecnologia)}`, text: r.tecnologia }),
            fmt(num(r.trend_score)),
            ...SOURCES.map((s) => fmt(num(r[s.score]))),
            String(int(r.fuentes) ?? 0),
            movement(r, hasPrev),
            signed(num(r.delta_score)),
          ]),
        ),
      );
    };
    select.addEventListener("change", draw);
    draw();
  }
  await highlights(view, m);
  healthBadge(view, m);
}

const SENTENCES = {
  "github:1:leader": (p) => `${p.lenguaje} leads new GitHub repositories: ${fmtInt(p.repos_count)} repos (${fmt(p.share_pct)} %).`,
  "github:2:leader": (p) => `${p.framework} is the most active framework: ${fmtInt(p.commits_2025)} commits in the window.`,
  "github:3:positive_outlier_repo": (p) => `${p.repo_name} has more contributors than its stars predict (${fmt(p.contributors_per_1k_stars)} per 1k stars).`,
  "reddit:1:positive_leader": (p) => `${p.framework} has the most positive Reddit sentiment: ${fmt(p.porcentaje_positivo)} % positive of ${fmtInt(p.total_menciones)} mentions.`,
  "reddit:2:leader_topic": (p) => `${p.tema} is Reddit's top topic: ${fmtInt(p.menciones)} mentions.`,
  "reddit:3:closest_alignment": (p) => `${p.tecnologia} ranks alike on GitHub and Reddit (gap ${fmtInt(p.brecha_abs)}).`,
  "stackoverflow:1:leader": (p) => `${p.lenguaje} has the most new Stack Overflow questions: ${fmtInt(p.preguntas)}.`,
  "stackoverflow:2:confidence_leader": (p) => `${p.tecnologia} has the most reliable accepted-answer rate: ${fmt(p.tasa_aceptacion_pct)} % of ${fmtInt(p.total_preguntas)} questions.`,
  "stackoverflow:3:largest_relative_drop": (p) => `${p.tecnologia}'s monthly questions fell from ${fmtInt(p.start_value)} to ${fmtInt(p.end_value)}.`,
};
const ROUTE_OF = { github: "#/github", stackoverflow: "#/stackoverflow", reddit: "#/reddit" };

async function csvHighlights(view) {
  const out = [];
  const langs = await csvOnly(view, "github_lenguajes.csv");
  const top = (rows, key) => (rows || []).filter((r) => int(r[key]) !== null).sort((a, b) => int(b[key]) - int(a[key]))[0];
  const lang = top(langs, "repos_count");
  if (lang) out.push(["github", `${lang.lenguaje} leads new GitHub repositories: ${fmtInt(int(lang.repos_count))} repos.`]);
  const fw = top(await csvOnly(view, "github_commits_frameworks.csv"), "commits_2025");
  if (fw) out.push(["github", `${fw.framework} is the most active framework: ${fmtInt(int(fw.commits_2025))} commits in the window.`]);
  const topic = top(await csvOnly(view, "reddit_temas_emergentes.csv"), "menciones");
  out.push(["reddit", topic ? `${topic.tema} is Reddit's top topic: ${fmtInt(int(topic.menciones))} mentions.` : "Reddit topics are unavailable in this run."]);
  return out;
}

async function highlights(view, m) {
  let items = null;
  let source = null;
  let signals = null;
  if (state.bridge.on) {
    const got = await loadJson(state.base, "home_highlights.json", CHECKS["home_highlights.json"]);
    if (got.ok) {
      source = "home_highlights.json";
      signals = obj(got.doc.dashboard_signals);
      items = list(got.doc.highlights).map((h) => {
        const p = obj(h.payload) || {};
        const say = SENTENCES[`${h.dashboard}:${h.graph}:${h.signal}`];
        return [h.dashboard, say ? say(p) : `${h.dashboard} · ${h.signal}: ${h.entity ?? "—"}`];
      });
    } else view.degraded("home_highlights.json", got.reason, "highlights computed from the CSVs");
  }
  if (!items) {
    items = await csvHighlights(view);
    source = "CSV files (computed)";
  }
  const card = view.card("Highlights", source);
  card.append(el("ul", { class: "highlights" }, items.map(([dash, text]) => el("li", {}, el("a", { href: ROUTE_OF[dash] || "#/", text })))));
  const sig = (d, g, k) => num(signals?.[d]?.[g]?.summary?.[k]);
  const repos = num(m?.total_repos_clasificables) > 0 ? num(m.total_repos_clasificables) : sig("github", "graph_1", "total_classifiable_repos");
  const kpis = [
    ["Classifiable repositories", repos],
    ["Questions processed", sig("stackoverflow", "graph_1", "total_questions")],
    ["Reddit mentions", sig("reddit", "graph_2", "total_menciones")],
  ];
  card.append(el("dl", { class: "kpis" }, kpis.flatMap(([k, v]) => [el("dt", { text: k }), el("dd", { text: v > 0 ? fmtInt(v) : "--" })])));
}

// "Compared (UTC): previous → latest" from a bridge file's snapshot dates (nothing for a CSV).
function compared(card, doc) {
  const latest = doc?.latest_snapshot_date || doc?.snapshot_date;
  if (!latest) return;
  const prev = doc.previous_snapshot_date;
  card.append(el("p", { class: "sub", text: prev ? `Compared (UTC): ${prev} → ${latest}` : `Snapshot (UTC): ${latest}` }));
}

const insight = (card, text) => text && card.append(el("p", { class: "insight", text }));

// ---------------------------------------------------------------- GitHub

function barChart(view, card, { label, labels, values, axis: valueAxis, caption, headers, rows, color = PALETTE[0], horizontal = true }) {
  view.chart(card, {
    label,
    height: horizontal ? 50 + labels.length * 28 : 300,
    config: {
      type: "bar",
      data: { labels, datasets: [{ label: valueAxis, data: values, backgroundColor: color }] },
      options: chartOptions({ horizontal, legend: false, scales: { [horizontal ? "x" : "y"]: axis(valueAxis, { beginAtZero: true }) } }),
    },
    caption,
    headers,
    rows,
  });
}

async function github(view) {
  view.title("GitHub", "Languages of new repositories, framework activity, stars vs contributors");
  headerLine(await manifest(view));

  // 1. languages: always the CSV; the public JSON only adds the leader sentence.
  const langRows = await csvOnly(view, "github_lenguajes.csv");
  const langCard = view.card("Languages of new repositories", langRows ? "github_lenguajes.csv" : null);
  const langs = (langRows || [])
    .map((r) => ({ name: r.lenguaje, repos: int(r.repos_count) ?? 0, share: num(r.porcentaje) ?? 0 }))
    .filter((r) => r.name)
    .sort((a, b) => b.repos - a.repos)
    .slice(0, 10);
  let leader = langs[0] ? `${langs[0].name} leads with ${fmtInt(langs[0].repos)} repositories (${fmt(langs[0].share)} %).` : null;
  if (state.bridge.on) {
    const pub = await loadJson(state.base, "github_lenguajes_public.json", CHECKS["github_lenguajes_public.json"]);
    const l = pub.ok ? obj(pub.doc.summary?.leader) : null;
    if (l) leader = `${l.lenguaje} leads with ${fmtInt(l.repos_count)} repositories (${fmt(l.share_pct)} %).`;
    if (!pub.ok) view.degraded("github_lenguajes_public.json", pub.reason, "the leader computed from github_lenguajes.csv");
  }
  if (!langs.length) view.empty(langCard, "No language data.");
  else {
    if (leader) langCard.append(el("p", { class: "insight", text: leader }));
    barChart(view, langCard, {
      label: "Repositories per primary language, top 10",
      labels: langs.map((r) => r.name),
      values: langs.map((r) => r.repos),
      axis: "repositories",
      caption: "repositories per language",
      headers: ["language", "repositories", "share %"],
      rows: langs.map((r) => [r.name, fmtInt(r.repos), fmt(r.share)]),
    });
  }

  // 2. frameworks: JSON items (nulls filled from the CSV) then CSV-only frameworks; or the CSV alone.
  const fwCsv = await csvOnly(view, "github_commits_frameworks.csv");
  let fwJson = null;
  if (state.bridge.on) {
    const got = await loadJson(state.base, "github_frameworks_history.json", CHECKS["github_frameworks_history.json"]);
    if (got.ok) fwJson = got.doc;
    else view.degraded("github_frameworks_history.json", got.reason, "github_commits_frameworks.csv");
  }
  const METRICS = [
    ["commits_2025", "commits"],
    ["active_contributors", "active contributors"],
    ["merged_prs", "merged PRs"],
    ["closed_issues", "closed issues"],
    ["releases_count", "releases"],
  ];
  const fromCsv = (fwCsv || []).map((r) => ({ ...Object.fromEntries(METRICS.map(([k]) => [k, int(r[k])])), framework: r.framework, repo: r.repo, delta_commits: int(r.delta_commits), growth_pct: num(r.growth_pct) }));
  let frameworks = fromCsv;
  if (fwJson) {
    const byName = new Map(fromCsv.map((r) => [String(r.framework).trim().toLowerCase(), r]));
    const merged = list(fwJson.latest_frameworks).map((j) => {
      const c = byName.get(String(j.framework).trim().toLowerCase()) || {};
      const out = { ...c };
      for (const [k, v] of Object.entries(j)) if (v !== null && v !== "") out[k] = v;
      return out;
    });
    const seen = new Set(merged.map((r) => String(r.framework).trim().toLowerCase()));
    frameworks = [...merged, ...fromCsv.filter((r) => !seen.has(String(r.framework).trim().toLowerCase()))];
  }
  frameworks = frameworks.filter((r) => r.framework);
  const fwCard = view.card("Framework activity (official repositories)", fwJson ? "github_frameworks_history.json" : fwCsv ? "github_commits_frameworks.csv" : null);
  compared(fwCard, fwJson);
  if (!frameworks.length) view.empty(fwCard, "No framework data.");
  else {
    const offered = METRICS.filter(([k]) => frameworks.some((r) => int(r[k]) !== null));
    const select = el("select", { id: "fw-metric", "aria-label": "Framework metric" }, offered.map(([k, name]) => el("option", { value: k, text: name })));
    fwCard.append(el("label", { for: "fw-metric", class: "picker" }, "Metric: "), select);
    const slot = el("div");
    fwCard.append(slot);
    const draw = () => {
      for (const c of state.charts.filter((c) => slot.contains(c.canvas))) c.destroy();
      state.charts = state.charts.filter((c) => !slot.contains(c.canvas));
      slot.replaceChildren();
      const [key, name] = offered.find(([k]) => k === select.value) || offered[0];
      const rows = [...frameworks].sort((a, b) => (int(b[key]) ?? -1) - (int(a[key]) ?? -1));
      barChart(view, slot, {
        label: `Framework ${name} in the 365-day window`,
        labels: rows.map((r) => r.framework),
        values: rows.map((r) => int(r[key]) ?? 0),
        axis: name,
        color: PALETTE[3],
        caption: "framework activity",
        headers: ["framework", "repository", ...METRICS.map(([, n]) => n), "Δ commits", "growth %"],
        rows: rows.map((r) => [r.framework, r.repo || "—", ...METRICS.map(([k]) => fmtInt(int(r[k]))), signed(int(r.delta_commits), 0), signed(num(r.growth_pct))]),
      });
    };
    select.addEventListener("change", draw);
    draw();
  }

  // 3. stars vs contributors: JSON latest_items, else the CSV.
  const got = await bridgeOrCsv(view, "github_correlacion_history.json", "github_correlacion.csv");
  const corrCard = view.card("Stars vs contributors (top repositories)", got.source);
  const repos = (got.json ? list(got.json.latest_items) : got.csv || [])
    .map((r) => ({ name: r.repo_name, stars: int(r.stars) ?? 0, contributors: int(r.contributors) ?? 0, language: r.language || "—", per1k: num(r.contributors_per_1k_stars), bucket: r.trend_bucket || "—" }))
    .filter((r) => r.name);
  if (!repos.length) view.empty(corrCard, "No repository data.");
  else {
    const r = got.json ? num(got.json.summary?.correlation_value) ?? 0 : pearson(repos.map((x) => x.stars), repos.map((x) => x.contributors));
    corrCard.append(el("p", { class: "insight", text: `Pearson correlation of stars and contributors: r = ${fmt(r)} over ${repos.length} repositories.` }));
    view.chart(corrCard, {
      label: "Scatter of stars (x) against contributors (y) per repository",
      config: {
        type: "scatter",
        data: { datasets: [{ label: "repositories", data: repos.map((x) => ({ x: x.stars, y: x.contributors, name: x.name })), backgroundColor: PALETTE[4] }] },
        options: chartOptions({
          legend: false,
          label: (c) => `${c.raw.name}: ${fmtInt(c.raw.x)} stars, ${fmtInt(c.raw.y)} contributors`,
          scales: { x: axis("stars"), y: axis("contributors", { beginAtZero: true }) },
        }),
      },
      caption: "stars and contributors per repository",
      headers: ["repository", "stars", "contributors", "language", "contributors per 1k stars", "trend"],
      rows: repos.map((x) => [x.name, fmtInt(x.stars), fmtInt(x.contributors), x.language, fmt(x.per1k ?? (x.stars ? (x.contributors / x.stars) * 1000 : 0), 3), x.bucket.replaceAll("_", " ")]),
    });
  }
}

function pearson(xs, ys) {
  const n = xs.length;
  if (n < 2) return 0;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i += 1) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
    syy += (ys[i] - my) ** 2;
  }
  return sxx && syy ? sxy / Math.sqrt(sxx * syy) : 0;
}

// ---------------------------------------------------------------- Stack Overflow

async function stackoverflow(view) {
  view.title("Stack Overflow", "Question volume, accepted-answer rate, monthly trends");
  headerLine(await manifest(view));

  const vol = await bridgeOrCsv(view, "so_volumen_history.json", "so_volumen_preguntas.csv");
  const volCard = view.card("New questions per language", vol.source);
  let tags = vol.json
    ? list(vol.json.latest_items).map((r) => ({ tag: r.lenguaje, q: int(r.preguntas) ?? 0, delta: vol.json.has_historical_comparison ? int(r.delta_preguntas) : null }))
    : (vol.csv || []).map((r) => ({ tag: r.lenguaje, q: int(r.preguntas_nuevas_2025) ?? 0, delta: null }));
  tags = tags.filter((r) => r.tag).sort((a, b) => b.q - a.q);
  const total = tags.reduce((a, r) => a + r.q, 0);
  compared(volCard, vol.json);
  const volLeader = obj(vol.json?.summary?.leader) ? { tag: vol.json.summary.leader.lenguaje, q: int(vol.json.summary.leader.preguntas) } : tags[0];
  if (!tags.length) view.empty(volCard, "No question volume data.");
  else {
    insight(volCard, volLeader && `${volLeader.tag} has the most new questions: ${fmtInt(volLeader.q)} of ${fmtInt(total)}.`);
    barChart(view, volCard, {
      label: "New Stack Overflow questions per language tag in the 365-day window",
      labels: tags.map((r) => r.tag),
      values: tags.map((r) => r.q),
      axis: "questions",
      color: SOURCES[1].color,
      caption: "questions per tag",
      headers: ["tag", "questions", "share %", "Δ vs previous week"],
      rows: tags.map((r) => [r.tag, fmtInt(r.q), fmt(total ? (r.q / total) * 100 : 0), signed(r.delta, 0)]),
    });
  }

  const acc = await bridgeOrCsv(view, "so_aceptacion_history.json", "so_tasa_aceptacion.csv");
  const accCard = view.card("Accepted-answer rate per framework tag", acc.source);
  const rates = (acc.json ? list(acc.json.latest_items) : acc.csv || [])
    .map((r) => ({ tag: r.tecnologia, total: int(r.total_preguntas) ?? 0, accepted: int(r.respuestas_aceptadas) ?? 0, rate: num(r.tasa_aceptacion_pct) ?? 0, sample: r.sample_bucket || "low (CSV)" }))
    .filter((r) => r.tag)
    .sort((a, b) => b.rate - a.rate);
  compared(accCard, acc.json);
  const conf = obj(acc.json?.summary?.confidence_leader);
  if (!rates.length) view.empty(accCard, "No acceptance data.");
  else {
    insight(
      accCard,
      conf
        ? `Most reliable rate (Wilson lower bound): ${conf.tecnologia}, ${fmt(num(conf.tasa_aceptacion_pct))} % of ${fmtInt(int(conf.total_preguntas))} questions.`
        : `Highest rate: ${rates[0].tag}, ${fmt(rates[0].rate)} % of ${fmtInt(rates[0].total)} questions.`,
    );
    barChart(view, accCard, {
      label: "Share of questions with an accepted answer, per framework tag",
      labels: rates.map((r) => r.tag),
      values: rates.map((r) => r.rate),
      axis: "accepted answers, %",
      color: PALETTE[5],
      caption: "accepted-answer rate",
      headers: ["tag", "questions", "accepted", "rate %", "sample"],
      rows: rates.map((r) => [r.tag, fmtInt(r.total), fmtInt(r.accepted), fmt(r.rate), r.sample]),
    });
  }

  const mon = await bridgeOrCsv(view, "so_tendencias_history.json", "so_tendencias_mensuales.csv");
  const monCard = view.card("Monthly questions", mon.source);
  let months = [];
  let series = [];
  if (mon.json) {
    months = mon.json.months.map(String);
    series = list(mon.json.series)
      .map((s) => ({ name: String(s.tecnologia ?? "?"), points: s.points.map((p) => int(p) ?? 0) }))
      .filter((s) => s.points.some((p) => p !== 0));
  } else if (mon.csv) {
    months = mon.csv.map((r) => r.mes);
    series = [
      ["python", "Python"],
      ["javascript", "JavaScript"],
      ["typescript", "TypeScript"],
    ].map(([k, name]) => ({ name, points: mon.csv.map((r) => int(r[k]) ?? 0) }));
  }
  if (!months.length || !series.length) view.empty(monCard, "No monthly data.");
  else
    view.chart(monCard, {
      label: `Questions per month from ${months[0]} to ${months.at(-1)} for ${series.map((s) => s.name).join(", ")}`,
      config: {
        type: "line",
        data: { labels: months, datasets: series.map((s, i) => ({ label: s.name, data: s.points, borderColor: PALETTE[i % PALETTE.length], backgroundColor: PALETTE[i % PALETTE.length], tension: 0.2 })) },
        options: chartOptions({ scales: { x: axis("month"), y: axis("questions", { beginAtZero: true }) } }),
      },
      caption: "questions per month",
      headers: ["month", ...series.map((s) => s.name)],
      rows: months.map((mo, i) => [mo, ...series.map((s) => fmtInt(s.points[i] ?? null))]),
    });
}

// ---------------------------------------------------------------- Reddit

async function reddit(view) {
  view.title("Reddit", "Framework sentiment, emerging topics, GitHub vs Reddit");
  headerLine(await manifest(view));

  const sen = await bridgeOrCsv(view, "reddit_sentimiento_public.json", "reddit_sentimiento_frameworks.csv");
  const senCard = view.card("Sentiment per framework", sen.source);
  const pick = (r, csvKey, jsonKey) => num(r[csvKey] ?? r[jsonKey]) ?? 0;
  const fws = (sen.json ? list(sen.json.frameworks) : sen.csv || [])
    .map((r) => ({
      name: r.framework,
      total: int(r.total_menciones) ?? 0,
      pos: pick(r, "% positivo", "porcentaje_positivo"),
      neu: pick(r, "% neutro", "porcentaje_neutro"),
      neg: pick(r, "% negativo", "porcentaje_negativo"),
    }))
    .filter((r) => r.name);
  if (!fws.length) view.empty(senCard, "No sentiment data.");
  else {
    const best = [...fws].sort((a, b) => b.pos - a.pos || b.total - a.total)[0];
    insight(senCard, `Most positive: ${best.name}, ${fmt(best.pos)} % of ${fmtInt(best.total)} mentions${best.total < 10 ? " (small sample)" : ""}.`);
    view.chart(senCard, {
      label: "Share of positive, neutral and negative posts per framework",
      height: 50 + fws.length * 30,
      config: {
        type: "bar",
        data: {
          labels: fws.map((r) => r.name),
          datasets: [
            { label: "positive %", data: fws.map((r) => r.pos), backgroundColor: "#1b7a3a" },
            { label: "neutral %", data: fws.map((r) => r.neu), backgroundColor: "#5b6570" },
            { label: "negative %", data: fws.map((r) => r.neg), backgroundColor: "#b3261e" },
          ],
        },
        options: chartOptions({ horizontal: true, stacked: true, scales: { x: axis("% of posts", { min: 0, max: 100 }) } }),
      },
      caption: "sentiment per framework",
      headers: ["framework", "mentions", "positive %", "neutral %", "negative %", "sample"],
      rows: fws.map((r) => [r.name, fmtInt(r.total), fmt(r.pos), fmt(r.neu), fmt(r.neg), r.total < 10 ? "small (< 10)" : "ok"]),
    });
  }

  const top = await bridgeOrCsv(view, "reddit_temas_history.json", "reddit_temas_emergentes.csv");
  const topCard = view.card("Emerging topics", top.source);
  const topics = (top.json ? list(top.json.latest_topics) : top.csv || [])
    .map((r) => ({ name: r.tema, n: int(r.menciones) ?? 0, delta: top.json ? int(r.delta_menciones) : null }))
    .filter((r) => r.name)
    .sort((a, b) => b.n - a.n);
  compared(topCard, top.json);
  if (!topics.length) view.empty(topCard, "No topic data.");
  else {
    insight(topCard, `${topics[0].name} is the top topic: ${fmtInt(topics[0].n)} mentions.`);
    barChart(view, topCard, {
      label: "Posts mentioning each topic",
      labels: topics.map((r) => r.name),
      values: topics.map((r) => r.n),
      axis: "mentions",
      color: SOURCES[2].color,
      caption: "mentions per topic",
      headers: ["topic", "mentions", "Δ vs previous week"],
      rows: topics.map((r) => [r.name, fmtInt(r.n), signed(r.delta, 0)]),
    });
  }

  const inter = await bridgeOrCsv(view, "reddit_interseccion_history.json", "interseccion_github_reddit.csv");
  const interCard = view.card("GitHub rank vs Reddit rank", inter.source);
  const items = (inter.json ? list(inter.json.latest_items) : inter.csv || [])
    .map((r) => ({ name: r.tecnologia, kind: r.tipo || "—", gh: int(r.ranking_github), rd: int(r.ranking_reddit) }))
    .filter((r) => r.name);
  const comparable = items.filter((r) => r.gh !== null && r.rd !== null);
  compared(interCard, inter.json);
  if (!items.length) view.empty(interCard, "No intersection data.");
  else {
    interCard.append(el("p", { class: "insight", text: `${comparable.length} of ${items.length} technologies rank on both sides.` }));
    view.chart(interCard, {
      label: "Rank on GitHub and rank on Reddit per technology (1 = top)",
      height: 60 + comparable.length * 34,
      config: {
        type: "bar",
        data: {
          labels: comparable.map((r) => r.name),
          datasets: [
            { label: "GitHub rank", data: comparable.map((r) => r.gh), backgroundColor: SOURCES[0].color },
            { label: "Reddit rank", data: comparable.map((r) => r.rd), backgroundColor: SOURCES[2].color },
          ],
        },
        options: chartOptions({ horizontal: true, scales: { x: axis("rank (lower is better)", { beginAtZero: true, ticks: { precision: 0 } }) } }),
      },
      caption: "ranks per technology",
      headers: ["technology", "kind", "GitHub rank", "Reddit rank", "gap"],
      rows: items.map((r) => [r.name, r.kind, r.gh ?? "not found", r.rd ?? "not found", r.gh !== null && r.rd !== null ? String(Math.abs(r.gh - r.rd)) : "—"]),
    });
  }
}

// ---------------------------------------------------------------- technology page

async function technology(view, rawSlug) {
  const want = slugify(decodeURIComponent(rawSlug));
  const h = view.title(want);
  headerLine(await manifest(view));
  let history = [];
  let profile = null;
  let source = null;
  if (state.bridge.on) {
    const got = await loadJson(state.base, "technology_profiles.json", CHECKS["technology_profiles.json"]);
    if (got.ok) {
      profile = list(got.doc.profiles).find((p) => slugify(p.slug) === want) || list(got.doc.profiles).find((p) => slugify(p.display_name) === want) || null;
      if (!profile) view.info(`technology_profiles.json has no profile for "${want}": computed from the ranking.`);
    } else view.degraded("technology_profiles.json", got.reason, "the history computed from the ranking");
  }
  if (profile) {
    source = "technology_profiles.json";
    h.textContent = profile.display_name || want;
    history = list(profile.source_history);
  } else {
    let name = null;
    if (state.bridge.on) {
      const th = await loadJson(state.base, "trend_score_history.json", CHECKS["trend_score_history.json"]);
      if (th.ok) {
        for (const snap of list(th.doc.snapshots)) {
          const row = list(snap.top_10).find((r) => slugify(r.slug || r.tecnologia) === want);
          if (row) {
            history.push({ date: snap.date, ...row });
            name = row.tecnologia;
          }
        }
        if (history.length) source = "trend_score_history.json";
      }
    }
    if (!history.length) {
      const csv = await csvOnly(view, "trend_score.csv");
      const row = csv && csvRanking(csv, Infinity).find((r) => r.slug === want);
      if (row) {
        history = [{ date: "latest", ...row }];
        name = row.tecnologia;
        source = "trend_score.csv";
      }
    }
    if (name) h.textContent = name;
  }
  const card = view.card("Score over time, per source", source);
  if (!history.length) {
    view.empty(card, `No technology "${want}" in the published data.`);
    card.append(el("p", {}, el("a", { href: "#/", text: "Back to the ranking" })));
    return;
  }
  const latest = history.at(-1);
  const rank = profile ? int(profile.ranking_actual) : int(latest.ranking);
  const score = profile ? num(profile.trend_score_actual) : num(latest.trend_score);
  const delta = profile ? num(profile.delta_score) : num(latest.delta_score);
  card.append(el("p", { class: "insight", text: `Ranking #${rank ?? "—"} · trend score ${fmt(score)} · change vs previous run ${signed(delta)}` }));
  if (profile) {
    const ins = obj(profile.summary_insights) || {};
    const sentences = [obj(ins.dominant_source)?.label, obj(ins.coverage)?.label, obj(ins.momentum)?.label].filter((s) => typeof s === "string" && s);
    if (sentences.length) card.append(el("ul", { class: "insights" }, sentences.map((s) => el("li", { text: s }))));
    card.append(
      table(
        "Per-source scores",
        ["source", "available", "score now", "previous", "Δ"],
        SOURCES.map((s) => {
          const sum = obj(profile[`${s.key}_summary`]) || {};
          return [s.name, sum.available === true ? "yes" : "no", fmt(num(sum.score_actual) ?? 0), fmt(num(sum.score_prev)), signed(num(sum.delta_score))];
        }),
      ),
    );
  }
  if (history.length < 2) view.info("Only one snapshot: not enough history for a chart over time yet.");
  view.chart(card, {
    label: `Trend score and per-source scores of ${h.textContent} per snapshot`,
    config: {
      type: "line",
      data: {
        labels: history.map((p) => p.date),
        datasets: [
          { label: "trend score", data: history.map((p) => num(p.trend_score) ?? 0), borderColor: INK, backgroundColor: INK, borderWidth: 3 },
          ...SOURCES.map((s) => ({ label: s.name, data: history.map((p) => num(p[s.score]) ?? 0), borderColor: s.color, backgroundColor: s.color, borderDash: [6, 3] })),
        ],
      },
      options: chartOptions({ scales: { y: axis("score (0–100)", { min: 0, max: 100 }), x: axis("snapshot date (UTC)") } }),
    },
    caption: "scores per snapshot",
    headers: ["date", "ranking", "trend", ...SOURCES.map((s) => s.name)],
    rows: history.map((p) => [p.date, String(int(p.ranking) ?? "—"), fmt(num(p.trend_score)), ...SOURCES.map((s) => fmt(num(p[s.score])))]),
  });
}

// ---------------------------------------------------------------- router

// The bridge files each view reads when the flag is on (named in the CSV-mode note).
const BRIDGE_FILES = {
  home: ["trend_score_history.json", "home_highlights.json"],
  github: ["github_lenguajes_public.json", "github_frameworks_history.json", "github_correlacion_history.json"],
  stackoverflow: ["so_volumen_history.json", "so_aceptacion_history.json", "so_tendencias_history.json"],
  reddit: ["reddit_sentimiento_public.json", "reddit_temas_history.json", "reddit_interseccion_history.json"],
  technology: ["technology_profiles.json", "trend_score_history.json"],
};

const ROUTES = [
  [/^#?\/?$/, "home", home],
  [/^#\/github\/?$/, "github", github],
  [/^#\/stackoverflow\/?$/, "stackoverflow", stackoverflow],
  [/^#\/reddit\/?$/, "reddit", reddit],
  [/^#\/trends\/([^/]+)\/?$/, "technology", technology],
];

async function render() {
  const main = document.getElementById("main");
  document.body.dataset.state = "loading";
  for (const c of state.charts) c.destroy();
  state.charts = [];
  main.replaceChildren();
  const view = new View(main);
  if (state.rejected !== null) view.degraded("?data=", `value "${state.rejected}" is not a relative folder path`, `the default folder ${state.base}`);
  const hash = location.hash || "#/";
  const match = ROUTES.map(([re, name, fn]) => [hash.match(re), name, fn]).find(([m]) => m);
  const [m, name, fn] = match || [null, "missing", null];
  if (!state.bridge.on && BRIDGE_FILES[name]) {
    view.info(`CSV mode: bridge JSON is off (${state.bridge.from}), so ${BRIDGE_FILES[name].join(", ")} ${BRIDGE_FILES[name].length > 1 ? "are" : "is"} not read. Add ?bridge=1 to use ${BRIDGE_FILES[name].length > 1 ? "them" : "it"}.`);
  }
  for (const a of document.querySelectorAll("nav a")) {
    if (a.dataset.route === name) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  try {
    if (fn) await fn(view, ...m.slice(1));
    else {
      view.title("Not found");
      view.empty(view.card("Unknown page", null), `There is no page "${hash}".`);
    }
  } catch (error) {
    view.notes.append(el("p", { class: "note degraded", role: "status" }, el("strong", { text: "Problem: " }), `this view could not be drawn (${error?.message || "unknown error"}).`));
  }
  document.title = `${main.querySelector("h1")?.textContent || "Dashboard"} · Technology trends`;
  document.body.dataset.view = name;
  document.body.dataset.state = "ready";
}

async function start() {
  if (typeof window.Chart === "function") window.Chart.defaults.color = "#3d4751";
  let config = {};
  try {
    const response = await fetch("config.json", { cache: "no-store" });
    if (response.ok) config = await response.json();
  } catch {
    config = {};
  }
  Object.assign(state, dataFolder(location.search));
  state.bridge = bridgeFlag(location.search, config?.bridge);
  for (const a of document.querySelectorAll("a[data-file]")) a.href = state.base + a.dataset.file;
  window.addEventListener("hashchange", async () => {
    await render();
    document.querySelector("#main h1")?.focus();
  });
  await render();
}

start();

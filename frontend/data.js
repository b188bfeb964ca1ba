// Loading the published files: CSV always, bridge JSON when the flag is on, with a checked fallback.
// Every loader resolves (never throws) to {ok: true, ...} or {ok: false, file, reason}; views turn a failure into a
// visible note, so no load error ever reaches the page as a blank screen or a stack trace.

export const MAX_JSON_BYTES = 2 * 1024 * 1024; // the existing dashboard's limit for a bridge file
const DATA_DEFAULT = "assets/data/";
const SEGMENT = /^[A-Za-z0-9._-]+$/;

// ?data=<folder>: a relative folder path only (no scheme, host, absolute path, "..", or odd characters).
export function dataFolder(search) {
  const raw = new URLSearchParams(search).get("data");
  if (raw === null || raw === "") return { base: DATA_DEFAULT, rejected: null };
  const trimmed = raw.replace(/\/+$/, "");
  const parts = trimmed.split("/");
  const ok = trimmed !== "" && !raw.startsWith("/") && parts.every((p) => SEGMENT.test(p) && p !== "." && p !== "..");
  return ok ? { base: `${trimmed}/`, rejected: null } : { base: DATA_DEFAULT, rejected: raw };
}

// The bridge flag: ?bridge=1 / ?bridge=0 override the app's config.json default.
export function bridgeFlag(search, configDefault) {
  const value = new URLSearchParams(search).get("bridge");
  if (value === "1" || value === "true") return { on: true, from: "URL" };
  if (value === "0" || value === "false") return { on: false, from: "URL" };
  return { on: configDefault !== false, from: "config.json" };
}

const TIMEOUT_MS = 15000; // per attempt, as the existing dashboard
const RETRY_WAITS_MS = [300, 900]; // at most 3 attempts, only for timeouts, network errors and HTTP 5xx
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function fetchOnce(url) {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), TIMEOUT_MS);
  try {
    const response = await fetch(url, { cache: "no-store", signal: abort.signal });
    if (!response.ok) return { error: `missing (HTTP ${response.status})`, retry: response.status >= 500 };
    const declared = Number(response.headers.get("Content-Length") || "0");
    if (declared > MAX_JSON_BYTES && url.endsWith(".json")) {
      abort.abort();
      return { error: `oversized (${declared} bytes, limit ${MAX_JSON_BYTES})` };
    }
    return { bytes: new Uint8Array(await response.arrayBuffer()) };
  } catch {
    return { error: abort.signal.aborted ? `no answer within ${TIMEOUT_MS / 1000} s` : "not reachable", retry: true };
  } finally {
    clearTimeout(timer);
  }
}

async function fetchBytes(url) {
  let got = await fetchOnce(url);
  for (const wait of RETRY_WAITS_MS) {
    if (!got.retry) break;
    await sleep(wait);
    got = await fetchOnce(url);
  }
  return got;
}

function decode(bytes) {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes).replace(/^\uFEFF/, "");
  } catch {
    return null;
  }
}

// One CSV record per line (the contract forbids line breaks inside quotes); quotes may hold commas and "".
export function parseCsvLine(line) {
  const out = [];
  let cur = "";
  let quoted = false;
  for (let i = 0; i < line.length; i += 1) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i += 1;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      out.push(cur);
      cur = "";
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

export function parseCsv(text) {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== "");
  if (lines.length < 2) return null;
  const header = parseCsvLine(lines[0]).map((h) => h.trim());
  const rows = lines.slice(1).map((line) => {
    const values = parseCsvLine(line);
    return Object.fromEntries(header.map((h, i) => [h, values[i] ?? ""]));
  });
  return { header, rows };
}

export async function loadCsv(base, file) {
  const got = await fetchBytes(base + file);
  if (got.error) return { ok: false, file, reason: got.error };
  const text = decode(got.bytes);
  if (text === null) return { ok: false, file, reason: "not UTF-8 text" };
  if (/^\s*</.test(text)) return { ok: false, file, reason: "an HTML page, not CSV" };
  const parsed = parseCsv(text);
  if (!parsed) return { ok: false, file, reason: "empty (header only)" };
  return { ok: true, file, rows: parsed.rows, header: parsed.header };
}

// A bridge JSON file: at most 2 MiB, valid UTF-8 JSON, an object at the root, and the shape its view needs.
export async function loadJson(base, file, check) {
  const got = await fetchBytes(base + file);
  if (got.error) return { ok: false, file, reason: got.error };
  if (got.bytes.length > MAX_JSON_BYTES) {
    return { ok: false, file, reason: `oversized (${got.bytes.length} bytes, limit ${MAX_JSON_BYTES})` };
  }
  const text = decode(got.bytes);
  if (text === null) return { ok: false, file, reason: "not UTF-8 text" };
  let doc;
  try {
    doc = JSON.parse(text);
  } catch {
    return { ok: false, file, reason: "malformed JSON" };
  }
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) {
    return { ok: false, file, reason: "malformed: the root is not an object" };
  }
  const problem = check ? check(doc) : null;
  if (problem) return { ok: false, file, reason: `wrong shape: ${problem}` };
  return { ok: true, file, doc };
}

// ---- shape checks (null = fine, else what is wrong)

const isObj = (v) => v !== null && typeof v === "object" && !Array.isArray(v);

function nonEmptyList(doc, key) {
  if (!(key in doc)) return `no "${key}" list`;
  if (!Array.isArray(doc[key])) return `"${key}" is not a list`;
  if (doc[key].length === 0) return `"${key}" is empty`;
  return null;
}

function optionalObject(doc, key) {
  return key in doc && doc[key] !== null && !isObj(doc[key]) ? `"${key}" is not an object` : null;
}

function stringsIn(list, key) {
  const bad = list.find((item) => isObj(item) && typeof item[key] !== "string");
  return bad ? `"${key}" of an item is not a string` : null;
}

export const CHECKS = {
  "trend_score_history.json": (d) =>
    nonEmptyList(d, "snapshots") ||
    (isObj(d.snapshots.at(-1)) ? null : "the last snapshot is not an object") ||
    ("top_10" in d.snapshots.at(-1) && !Array.isArray(d.snapshots.at(-1).top_10) ? '"top_10" is not a list' : null),
  "technology_profiles.json": (d) => nonEmptyList(d, "profiles"),
  "home_highlights.json": (d) => nonEmptyList(d, "highlights") || optionalObject(d, "dashboard_signals"),
  "github_lenguajes_public.json": (d) => optionalObject(d, "summary"),
  "github_frameworks_history.json": (d) => nonEmptyList(d, "latest_frameworks") || optionalObject(d, "summary"),
  "github_correlacion_history.json": (d) => nonEmptyList(d, "latest_items") || optionalObject(d, "summary"),
  "so_volumen_history.json": (d) => nonEmptyList(d, "latest_items") || optionalObject(d, "summary"),
  "so_aceptacion_history.json": (d) => nonEmptyList(d, "latest_items") || optionalObject(d, "summary"),
  "so_tendencias_history.json": (d) =>
    nonEmptyList(d, "months") ||
    nonEmptyList(d, "series") ||
    (d.series.every((s) => isObj(s) && Array.isArray(s.points)) ? null : 'a "series" item has no "points" list'),
  "reddit_sentimiento_public.json": (d) => nonEmptyList(d, "frameworks") || stringsIn(d.frameworks, "framework"),
  "reddit_temas_history.json": (d) => nonEmptyList(d, "latest_topics") || stringsIn(d.latest_topics, "tema"),
  "reddit_interseccion_history.json": (d) => nonEmptyList(d, "latest_items"),
};

// ---- value helpers (the contract's parsing rules: integers from text, empty -> null)

export function int(value) {
  if (value === null || value === undefined) return null;
  const text = String(value).trim();
  return /^-?\d+$/.test(text) ? Number(text) : null;
}

export function num(value) {
  if (value === null || value === undefined || String(value).trim() === "") return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

export const list = (value) => (Array.isArray(value) ? value.filter(isObj) : []);
export const obj = (value) => (isObj(value) ? value : null);

// Display name -> slug (c# -> c-sharp, c++ -> c-plus-plus, ai/ml -> ai-ml, else runs of non-[a-z0-9] -> "-").
export function slugify(name) {
  const low = String(name ?? "").trim().toLowerCase();
  const special = { "ai/ml": "ai-ml", "ai ml": "ai-ml", "ia/machine learning": "ai-ml", "c#": "c-sharp", "c++": "c-plus-plus" };
  if (special[low]) return special[low];
  return low.replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
}

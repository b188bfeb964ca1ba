// The dashboard reads only the published files: assets/data/ by default, or the folder named by ?data=.
const DATA = new URLSearchParams(location.search).get("data") || "assets/data/";
const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"];

async function load(name) {
  const response = await fetch(DATA + name);
  if (!response.ok) throw new Error(`${name}: HTTP ${response.status}`);
  return response.json();
}

function cell(row, text) {
  const td = document.createElement("td");
  td.textContent = text;
  row.appendChild(td);
}

function renderTable(rows) {
  const body = document.querySelector("#ranking tbody");
  for (const r of rows) {
    const tr = document.createElement("tr");
    [r.ranking, r.tecnologia, r.trend_score.toFixed(2), r.github_score.toFixed(2), r.so_score.toFixed(2),
      r.reddit_score.toFixed(2), r.fuentes].forEach((v) => cell(tr, v));
    body.appendChild(tr);
  }
}

function renderChart(history, top) {
  const svg = document.getElementById("chart");
  const snaps = history.snapshots;
  const [w, h, pad] = [640, 240, 30];
  const x = (i) => pad + (snaps.length < 2 ? (w - 2 * pad) / 2 : (i * (w - 2 * pad)) / (snaps.length - 1));
  const y = (v) => h - pad - (v / 100) * (h - 2 * pad);
  const ns = "http://www.w3.org/2000/svg";
  top.forEach((tech, k) => {
    const points = snaps
      .map((s, i) => [i, s.rows.find((r) => r.tecnologia === tech)])
      .filter(([, r]) => r)
      .map(([i, r]) => `${x(i)},${y(r.trend_score)}`);
    const line = document.createElementNS(ns, "polyline");
    line.setAttribute("points", points.join(" "));
    line.setAttribute("fill", "none");
    line.setAttribute("stroke", COLORS[k]);
    line.setAttribute("stroke-width", "2");
    svg.appendChild(line);
    for (const p of points) {
      const dot = document.createElementNS(ns, "circle");
      const [cx, cy] = p.split(",");
      dot.setAttribute("cx", cx); dot.setAttribute("cy", cy); dot.setAttribute("r", "3");
      dot.setAttribute("fill", COLORS[k]);
      svg.appendChild(dot);
    }
    const li = document.createElement("li");
    li.innerHTML = `<span style="background:${COLORS[k]}"></span>`;
    li.append(tech);
    document.getElementById("legend").appendChild(li);
  });
  const label = document.createElementNS(ns, "text");
  label.setAttribute("x", pad); label.setAttribute("y", h - 8);
  label.textContent = `${snaps[0]?.date ?? ""} … ${snaps[snaps.length - 1]?.date ?? ""}`;
  svg.appendChild(label);
}

async function main() {
  for (const a of document.querySelectorAll("a[data-file]")) a.href = DATA + a.dataset.file;
  try {
    const [trend, history] = await Promise.all([load("trend_score.json"), load("trend_history.json")]);
    const run = document.getElementById("run");
    run.textContent = `run ${trend.run_date} · quality gate `;
    const badge = document.createElement("span");
    badge.className = `status ${trend.quality_gate_status}`;
    badge.textContent = trend.quality_gate_status;
    run.appendChild(badge);
    renderTable(trend.rows);
    renderChart(history, trend.rows.slice(0, 5).map((r) => r.tecnologia));
  } catch (error) {
    document.getElementById("run").textContent = `no published data yet (${error.message}): run make demo or make weekly`;
  }
}

main();

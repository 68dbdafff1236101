// The evaluation ranking (考核排名): departments, districts, towns or posts over a month, as the server
// computes them (GET /api/evaluation); column names come with the answer. Downloads the monthly report.
(function () {
  const CH = window.CH;
  const panel = document.getElementById("evaluation");
  if (!CH || !panel) return;
  const esc = (s) => String(s == null ? "—" : s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  const tab = document.querySelector('#tabs [data-tab="evaluation"]');
  if (tab && !tab.textContent.trim()) tab.textContent = "考核排名";
  const BY = [["department", "部门"], ["district", "区县"], ["town", "镇街"], ["post", "岗位"]];
  const now = new Date(Date.now() + 8 * 3600e3);  // Beijing time
  const month0 = `${now.getUTCFullYear()}-${String(now.getUTCMonth() + 1).padStart(2, "0")}`;

  panel.innerHTML = `<h2>考核排名</h2>
    <form id="ev-form" class="row">
      <select id="ev-by">${BY.map(([v, n]) => `<option value="${v}">${n}</option>`).join("")}</select>
      <input id="ev-month" type="month" value="${month0}" required>
      <button type="submit">刷新</button>
    </form>
    <p class="row" id="ev-downloads">通报下载：
      <button type="button" class="link" data-format="xlsx">XLSX</button>
      <button type="button" class="link" data-format="pdf">PDF</button>
      <button type="button" class="link" data-format="csv">CSV</button></p>
    <p id="ev-msg" class="muted"></p>
    <div id="ev-table" style="overflow:auto"></div>`;
  const $ = (id) => document.getElementById(id);

  function bounds(month) {
    const [y, m] = month.split("-").map(Number);
    const next = m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, "0")}`;
    return [`${month}-01`, `${next}-01`];
  }

  function cell(key, value) {
    if (value == null) return "—";
    if (key.endsWith("_rate")) return `${(value * 100).toFixed(1)}%`;
    return value;
  }

  async function refresh() {
    const by = $("ev-by").value, [from, to] = bounds($("ev-month").value || month0);
    $("ev-msg").textContent = "…";
    try {
      const r = await CH.api(`/api/evaluation?by=${by}&from=${from}&to=${to}`);
      const doc = await r.json();
      if (!r.ok) { $("ev-msg").textContent = typeof doc.detail === "string" ? doc.detail : `HTTP ${r.status}`; return; }
      const cols = doc.columns || [];
      const head = cols.map(([, name]) => `<th>${esc(name)}</th>`).join("");
      const rows = (doc.items || []).map((row) => `<tr class="grade-${esc(row.grade)}">`
        + cols.map(([key]) => `<td>${esc(cell(key, row[key]))}</td>`).join("") + "</tr>").join("");
      $("ev-table").innerHTML = rows ? `<table class="ranking"><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table>` : "";
      const t = doc.total;
      $("ev-msg").textContent = !rows ? "本期无应结案案件" : t ? `全市应结案 ${t.due} · 结案率 ${cell("closure_rate", t.closure_rate)}`
        + ` · 按期结案率 ${cell("on_time_closure_rate", t.on_time_closure_rate)} · 得分 ${cell("score", t.score)} ${t.grade || ""}` : "";
    } catch (err) {
      $("ev-msg").textContent = String(err);
    }
  }

  async function download(format) {
    const month = $("ev-month").value || month0;
    const r = await CH.api(`/api/evaluation/report?month=${month}&format=${format}`);
    if (!r.ok) { $("ev-msg").textContent = `通报下载失败：HTTP ${r.status}`; return; }
    const url = URL.createObjectURL(await r.blob());
    const a = Object.assign(document.createElement("a"), { href: url, download: `cityhub-evaluation-${month}.${format}` });
    document.body.appendChild(a); a.click(); a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }

  $("ev-form").addEventListener("submit", (ev) => { ev.preventDefault(); refresh(); });
  $("ev-by").addEventListener("change", refresh);
  $("ev-downloads").addEventListener("click", (ev) => { const b = ev.target.closest("[data-format]"); if (b) download(b.dataset.format); });
  refresh();
  setInterval(() => { if (!panel.classList.contains("off") && !document.hidden) refresh(); }, 60000);
  CH.evaluation = { refresh };
})();

// Event analysis views (事件分析图谱), drawn as plain SVG next to the map — no chart library.
(function () {
  const CH = window.CH, S = CH.state, I = CH.i18n, esc = CH.panels.esc;
  const ACCENT = "#38c6ff";
  const hourFmt = new Intl.DateTimeFormat("zh-CN", { timeZone: "Asia/Shanghai", hour: "2-digit", hour12: false });

  /** Chart text follows the page's root size (larger on a 4K wall), within what the chart's height allows. */
  function font(h, rows, most) {
    const root = parseFloat(getComputedStyle(document.documentElement).fontSize) || 14;
    return Math.max(root * 0.62, Math.min(root * most, h / rows));
  }

  function size(el) { return [Math.max(120, el.clientWidth), Math.max(70, el.clientHeight)]; }
  const svg = (w, h, body) => `<svg viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img">${body}</svg>`;
  const fmt = (n) => (n >= 10000 ? `${(n / 10000).toFixed(1)}万` : String(n));

  /** Cut a label to fit `px` at font size `fs` (CJK glyphs are about 1 em, Latin about .6 em). */
  function fit(label, px, fs) {
    const text = String(label ?? "—");
    let width = 0;
    for (let i = 0; i < text.length; i++) {
      width += text.charCodeAt(i) > 0x2e80 ? fs : fs * 0.6;
      if (width > px) return `${text.slice(0, Math.max(1, i - 1))}…`;
    }
    return text;
  }

  function hbar(el, rows, color) {
    const [w, h] = size(el);
    if (!rows.length) return empty(el);
    const fs = font(h, 9, 0.9), rowH = Math.min(h / rows.length, fs * 2.1), labelW = Math.min(w * 0.5, fs * 8);
    const max = Math.max(...rows.map((r) => r.count)), barW = w - labelW - fs * 3.6;
    el.innerHTML = svg(w, h, rows.map((r, i) => {
      const y = i * rowH, bw = Math.max(2, (barW * r.count) / max);
      return `<text x="${labelW - 6}" y="${y + rowH / 2}" font-size="${fs}" text-anchor="end" dominant-baseline="central">${esc(fit(r.label, labelW - 8, fs))}</text>`
        + `<rect x="${labelW}" y="${y + rowH * 0.18}" width="${bw}" height="${rowH * 0.64}" rx="2" fill="${color ? color(r) : ACCENT}" opacity=".9"/>`
        + `<text x="${labelW + bw + 5}" y="${y + rowH / 2}" font-size="${fs}" dominant-baseline="central" class="val">${fmt(r.count)}</text>`;
    }).join(""));
  }

  function donut(el, rows, color) {
    const [w, h] = size(el);
    if (!rows.length) return empty(el);
    const total = rows.reduce((s, r) => s + r.count, 0), r0 = Math.min(h, w * 0.45) / 2 - 4, cx = r0 + 4, cy = h / 2;
    let a = -Math.PI / 2;
    const arcs = rows.map((r) => {
      const b = a + (2 * Math.PI * r.count) / total, large = b - a > Math.PI ? 1 : 0;
      const p = (t, rad) => `${cx + rad * Math.cos(t)},${cy + rad * Math.sin(t)}`;
      const d = rows.length === 1 ? `M${p(0, r0)}A${r0},${r0} 0 1 1 ${p(Math.PI * 1.999, r0)}`
        : `M${p(a, r0)}A${r0},${r0} 0 ${large} 1 ${p(b, r0)}`;
      a = b;
      return `<path d="${d}" stroke="${color(r)}" stroke-width="${r0 * 0.42}" fill="none"/>`;
    });
    const fs = font(h, 10, 0.85), lx = cx * 2 + 10, rowH = Math.min(fs * 1.7, h / Math.min(rows.length, 8));
    const legend = rows.slice(0, 8).map((r, i) => `<rect x="${lx}" y="${i * rowH + rowH / 2 - fs / 2.6}" width="${fs * 0.8}" height="${fs * 0.8}" fill="${color(r)}"/>`
      + `<text x="${lx + fs * 1.2}" y="${i * rowH + rowH / 2}" font-size="${fs}" dominant-baseline="central">${esc(r.label)} <tspan class="val">${Math.round((100 * r.count) / total)}%</tspan></text>`);
    const centre = `<text x="${cx}" y="${cy}" font-size="${fs * 1.3}" text-anchor="middle" dominant-baseline="central" class="big">${fmt(total)}</text>`;
    el.innerHTML = svg(w, h, arcs.join("") + centre + legend.join(""));
  }

  function columns(el, rows, color) {
    const [w, h] = size(el);
    if (!rows.some((r) => r.count)) return empty(el);
    const fs = font(h, 10, 0.78), base = h - fs * 1.8, max = Math.max(...rows.map((r) => r.count)), cw = w / rows.length;
    const every = Math.ceil((rows.length * fs * 2.2) / w);
    el.innerHTML = svg(w, h, rows.map((r, i) => {
      const bh = max ? ((base - fs) * r.count) / max : 0;
      return `<rect x="${i * cw + cw * 0.15}" y="${base - bh}" width="${cw * 0.7}" height="${bh}" fill="${color ? color(r) : ACCENT}" rx="1.5"/>`
        + (i % every === 0 ? `<text x="${i * cw + cw / 2}" y="${h - fs * 0.4}" font-size="${fs}" text-anchor="middle">${esc(r.label)}</text>` : "");
    }).join("") + `<line x1="0" x2="${w}" y1="${base}" y2="${base}" class="axis"/>`);
  }

  function line(el, values) {
    const [w, h] = size(el);
    const max = Math.max(1, ...values), fs = font(h, 10, 0.78), base = h - 4, dx = w / (values.length - 1);
    const pts = values.map((v, i) => `${(i * dx).toFixed(1)},${(base - ((base - fs * 1.6) * v) / max).toFixed(1)}`);
    el.innerHTML = svg(w, h, `<defs><linearGradient id="tg" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="${ACCENT}" stop-opacity=".5"/>`
      + `<stop offset="1" stop-color="${ACCENT}" stop-opacity="0"/></linearGradient></defs>`
      + `<polygon points="0,${base} ${pts.join(" ")} ${w},${base}" fill="url(#tg)"/><polyline points="${pts.join(" ")}" fill="none" stroke="${ACCENT}" stroke-width="2"/>`
      + `<text x="4" y="${fs}" font-size="${fs}" class="val">max ${fmt(max)} / 10s · ${esc(I.t("kpi.rate"))} ${S.rate().toFixed(1)}</text>`);
  }

  function empty(el) { el.innerHTML = `<p class="empty">${esc(I.t("c.empty"))}</p>`; }

  const domainColor = (r) => `rgb(${I.domainInfo(r.key).color.join(",")})`;
  const SEV = ["#5c7a8f", "#38c6ff", "#f5d04a", "#ff8a3d", "#ff3b3b"];
  const stateColor = (r) => `rgb(${(CH.layers.STATE_COLORS[r.key] || [200, 200, 200]).join(",")})`;
  const since = () => { const s = S.windowStart(); return s ? `since=${encodeURIComponent(s.toISOString())}` : ""; };
  const counts = (by, label, top) => ({
    url: () => `/api/analysis/counts/${by}?limit=${top}&${since()}`,
    rows: (doc) => (doc.counts || []).map((c) => ({ key: c.key, count: c.count, label: label ? label(c.key) : c.key ?? "—" })),
  });
  const cellLabel = (k) => (k ? `${I.townName(k.slice(0, 9)).replace(/(街道|镇)$/, "")} ${k.slice(9, 12)}-${k.slice(12)}` : "—");
  // department names as a wall can show them: 蓬江区城市管理和综合执法局 → 蓬江城管执法局
  const SHORT = [[/^江门市/, ""], [/^(蓬江|江海|新会)区/, "$1"], [/^(台山|开平|鹤山|恩平)市/, "$1"],
    [/城市管理和综合执法局/, "城管执法局"], [/公安局交通警察(支队|大队)/, "交警$1"], [/住房和城乡建设局/, "住建局"],
    [/应急管理局/, "应急局"], [/消防救援(支队|大队)/, "消防$1"], [/生态环境(局|分局)/, "环境$1"], [/自然资源局/, "自然资源局"],
    [/交通运输局/, "交通局"], [/12345政务服务热线/, "12345热线"]];
  const dept = (name) => (I.lang === "zh" ? SHORT.reduce((t, [re, to]) => t.replace(re, to), String(name || "—")) : name || "—");
  // each view: where its numbers come from (the hub's analysis API, or the page's own live counts) and how it is drawn
  const VIEWS = {
    district: Object.assign(counts("district", (k) => I.districtName(k), 7), { draw: hbar }),
    domain: Object.assign(counts("domain", (k) => I.domainName(k), 13), { draw: (el, rows) => donut(el, rows, domainColor) }),
    type: Object.assign(counts("type", (k) => I.typeName(k), 8), { draw: hbar }),
    severity: Object.assign(counts("severity", (k) => I.severityName(Number(k)), 5),
      { draw: (el, rows) => columns(el, rows.sort((a, b) => Number(a.key) - Number(b.key)), (r) => SEV[Number(r.key)] || ACCENT) }),
    town: Object.assign(counts("town", (k) => I.townName(k), 8), { draw: hbar }),
    dept: Object.assign(counts("department", dept, 8), { draw: hbar }),
    hour: { url: () => "/api/analysis/trend?bucket=hour",
      rows: (doc) => (doc.series || []).slice(-24).map((r) => ({ key: r.start, count: r.count, label: hourFmt.format(new Date(r.start)) })),
      draw: columns },
    trend: { live: true, draw: (el) => line(el, S.trend()) },
    cells: { url: () => `/api/analysis/top-cells?limit=10&${since()}`,
      rows: (doc) => (doc.cells || []).map((c) => ({ key: c.grid_code, count: c.count, label: cellLabel(c.grid_code) })), draw: hbar },
    state: { url: () => "/api/analysis/incidents/by/state",
      rows: (doc) => (doc.counts || []).map((c) => ({ key: c.key, count: c.count, label: I.stateName(c.key) })),
      draw: (el, rows) => hbar(el, rows, stateColor) },
    openDept: { url: () => "/api/analysis/incidents/open-by-department",
      rows: (doc) => (doc.departments || []).slice(0, 8).map((d) => ({ key: d.department, count: d.open, label: dept(d.department) })),
      draw: hbar },
    overdue: { url: () => "/api/analysis/incidents/open-by-department",
      rows: (doc) => (doc.departments || []).filter((d) => d.overdue > 0).sort((a, b) => b.overdue - a.overdue).slice(0, 8)
        .map((d) => ({ key: d.department, count: d.overdue, label: dept(d.department) })),
      draw: (el, rows) => hbar(el, rows, () => "#ff5a4a") },
  };

  const docs = {};
  async function fetchView(id, view) {
    const r = await CH.api(view.url());
    if (!r.ok) throw new Error(`HTTP ${r.status}`);
    docs[id] = await r.json();
  }

  function draw(only) {
    document.querySelectorAll(".chart[data-view]").forEach((card) => {
      const id = card.dataset.view, view = VIEWS[id], el = card.querySelector(".plot");
      if (!view || (only && !only.includes(id)) || !el.offsetParent) return;
      if (view.live) { view.draw(el); return; }
      view.draw(el, docs[id] ? view.rows(docs[id]) : []);
    });
  }

  async function refresh() {
    await Promise.all(Object.entries(VIEWS).filter(([, v]) => v.url).map(([id, v]) => fetchView(id, v).catch(() => {})));
    draw();
  }

  function start() {
    refresh();
    setInterval(refresh, 15000);
    setInterval(() => draw(["trend"]), 2000);
    window.addEventListener("resize", () => draw());
    I.onChange(() => draw());
  }

  CH.charts = { start, refresh, draw, VIEWS };
})();

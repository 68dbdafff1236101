// Device health, data quality and forecasts on the map: a layer of offline devices, forecast rings with the
// expected time of crossing, and a panel with the forecast warnings in force and each source's quality.
// State names, kind names, thresholds and levels come from the API; only the panel's own captions live here.
(function () {
  const CH = window.CH, I = CH.i18n;
  const TEXT = {
    zh: { tab: "监测", offline: "离线设备", rings: "预报圈", warnings: "预警（预报）", none: "暂无预警",
      quality: "数据质量（近1小时）", source: "数据源", complete: "完整率", p95: "时延p95", valid: "有效率", dup: "重复率",
      cross: "预计超阈值", rate: "在线率" },
    en: { tab: "Health", offline: "offline devices", rings: "forecast rings", warnings: "Forecast warnings", none: "none in force",
      quality: "Data quality (1 h)", source: "source", complete: "complete", p95: "p95 delay", valid: "valid", dup: "dup.",
      cross: "expected crossing", rate: "online" },
  };
  const t = (k) => (TEXT[I.lang] || TEXT.zh)[k] || k;
  const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const pct = (v) => (v == null ? "—" : `${(100 * v).toFixed(1)}%`);
  const show = JSON.parse(localStorage.getItem("cityhub.health") || '{"offline": true, "rings": true}');
  const data = { offline: [], rings: [], quality: [], rates: null, stateNames: {}, loaded: 0 };
  const hhmm = (iso) => (iso ? iso.slice(11, 16) : "");

  async function json(url) {
    const r = await CH.api(url);
    return r.ok ? r.json() : null;
  }

  async function load() {
    const [offline, water, river, quality, rates] = await Promise.all([json("/api/devices?state=offline"),
      json("/api/forecasts?kind=waterlogging"), json("/api/forecasts?kind=river"), json("/api/quality?window=1h"),
      json("/api/devices/health?by=class")]).catch(() => []);
    if (offline) { data.offline = offline.items; data.stateNames = offline.state_names || {}; }
    const rings = [];
    for (const body of [water, river]) {
      for (const p of (body && body.items) || []) {
        if (!p.predicted || p.lon == null) continue;
        const peak = Math.max(...Object.values(p.predicted));
        rings.push(Object.assign({ kind_name: body.kind_name, peak, ratio: peak / p.threshold }, p));
      }
    }
    data.rings = rings;
    data.quality = (quality && quality.sources) || [];
    data.rates = rates;
    data.loaded += 1;
    render();
    CH.layers.dirty = true;
  }

  function layers() {
    const out = [];
    const k = CH.scale || 1;
    if (show.offline && data.offline.length) {
      out.push(new deck.ScatterplotLayer({ id: "health-offline", data: data.offline, pickable: true,
        getPosition: (d) => [d.lon, d.lat], getRadius: 6 * k, radiusUnits: "pixels", stroked: true,
        getFillColor: [90, 90, 90, 200], getLineColor: [255, 255, 255, 230], lineWidthMinPixels: 1.5 }));
    }
    if (show.rings && data.rings.length) {
      const rings = data.rings.filter((r) => r.warning || r.ratio >= 0.5);
      out.push(new deck.ScatterplotLayer({ id: "health-rings", data: rings, pickable: true, filled: false, stroked: true,
        getPosition: (d) => [d.lon, d.lat], getRadius: (d) => (10 + 18 * Math.min(d.ratio, 2)) * k, radiusUnits: "pixels",
        getLineColor: (d) => (d.warning ? [230, 60, 40, 240] : [240, 170, 40, 200]), lineWidthMinPixels: 2.5 }));
      out.push(new deck.TextLayer({ id: "health-ring-times", data: rings.filter((r) => r.warning && r.expected_crossing_at),
        getPosition: (d) => [d.lon, d.lat], getText: (d) => hhmm(d.expected_crossing_at), getSize: 12 * k,
        getPixelOffset: [0, -24 * k], getColor: [255, 230, 220, 255], characterSet: "0123456789:",
        fontWeight: "bold", outlineWidth: 2, outlineColor: [60, 0, 0, 255] }));
    }
    return out;
  }

  function pick(info) {
    const id = info && info.layer ? info.layer.id : "";
    if (id === "health-offline" && info.object) return { kind: "device", item: Object.assign({ address:
      `${data.stateNames[info.object.state] || info.object.state} · ${info.object.name || ""}` }, info.object) };
    if (id === "health-rings" && info.object) {
      const r = info.object;
      return { kind: "area", item: { name: `${r.name} ${r.kind_name || ""}`, code: `${r.value}→${r.peak} / ${r.threshold}${r.unit}`
        + (r.expected_crossing_at ? ` · ${t("cross")} ${hhmm(r.expected_crossing_at)}` : "") } };
    }
    return null;
  }

  function render() {
    const box = document.getElementById("health");
    if (!box) return;
    const warned = data.rings.filter((r) => r.warning);
    const rates = data.rates ? data.rates.groups.filter((g) => g.monitored) : [];
    const monitored = rates.reduce((s, g) => s + g.monitored, 0), up = rates.reduce((s, g) => s + g.online + g.late, 0);
    box.innerHTML = `<h2>${esc(t("tab"))} <small>${esc(t("rate"))} ${monitored ? pct(up / monitored) : "—"}</small></h2>`
      + `<div class="toggles"><label class="tog"><input type="checkbox" data-health="offline"${show.offline ? " checked" : ""}>`
      + `<span>${esc(t("offline"))} <b id="health-offline-count">${data.offline.length}</b></span></label>`
      + `<label class="tog"><input type="checkbox" data-health="rings"${show.rings ? " checked" : ""}><span>${esc(t("rings"))}</span></label></div>`
      + `<h3>${esc(t("warnings"))} <b id="health-warning-count">${warned.length}</b></h3><ol class="list" id="health-warnings">`
      + (warned.map((r) => `<li data-point="${esc(r.point_id)}"><b>${esc(r.name)}</b> ${esc(r.kind_name || "")} `
        + `${esc(r.value)}→${esc(r.peak)}${esc(r.unit)} / ${esc(r.threshold)}${esc(r.unit)} · ${esc(t("cross"))} `
        + `${esc(hhmm(r.expected_crossing_at))}<div class="muted">${esc(r.department || "")}</div></li>`).join("")
        || `<li class="muted">${esc(t("none"))}</li>`) + "</ol>"
      + `<h3>${esc(t("quality"))}</h3><table class="quality" id="health-quality"><tr><th>${esc(t("source"))}</th>`
      + `<th>${esc(t("complete"))}</th><th>${esc(t("p95"))}</th><th>${esc(t("valid"))}</th><th>${esc(t("dup"))}</th></tr>`
      + data.quality.map((q) => `<tr data-source="${esc(q.source)}"${q.below_levels.length ? ' class="below"' : ""}`
        + ` title="${esc(q.below_levels.join("；"))}"><td>${esc(q.source)}</td><td>${pct(q.completeness)}</td>`
        + `<td>${q.timeliness.p95_s == null ? "—" : `${esc(q.timeliness.p95_s)} s`}</td><td>${pct(q.validity)}</td>`
        + `<td>${pct(q.duplicate_share)}</td></tr>`).join("") + "</table>";
  }

  document.addEventListener("change", (ev) => {
    const key = ev.target && ev.target.dataset ? ev.target.dataset.health : null;
    if (!key) return;
    show[key] = ev.target.checked;
    localStorage.setItem("cityhub.health", JSON.stringify(show));
    CH.layers.dirty = true;
  });
  I.onChange(render);
  CH.health = { layers, pick, load, data, show };
  load().catch(() => {});
  setInterval(() => load().catch(() => {}), 30000);
})();

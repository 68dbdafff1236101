// Live layers built with deck.gl's classes on top of the pydeck-defined base geography.
(function () {
  const CH = window.CH, S = CH.state;
  const saved = JSON.parse(localStorage.getItem("cityhub.layers") || "{}");
  const toggles = Object.assign({ heat: true, events: true, icons: true, incidents: true, alarms: true, devices: false,
    towns: true, communities: true, cells: true }, saved);
  const STATE_COLORS = { reported: [255, 170, 0], registered: [255, 220, 60], dispatched: [60, 150, 255],
    in_progress: [0, 220, 230], verified: [180, 120, 255], closed: [120, 140, 150], rejected: [90, 100, 110] };
  const HEAT = [[10, 60, 90, 0], [20, 110, 150, 70], [50, 170, 170, 95], [230, 200, 70, 120], [250, 130, 40, 140],
    [240, 50, 40, 160]];
  const CELL_ZOOM = 12.5;

  // ---- an icon atlas drawn on a canvas: one glyph per domain, one case marker per incident state
  function buildAtlas() {
    const S_ = 64, domains = Object.entries(CH.META.domains).concat([["other", CH.META.other]]);
    const states = Object.keys(STATE_COLORS), canvas = document.createElement("canvas");
    canvas.width = S_ * (domains.length + states.length); canvas.height = S_;
    const ctx = canvas.getContext("2d"), mapping = {};
    ctx.textAlign = "center"; ctx.textBaseline = "middle";
    const font = '700 34px "Noto Sans CJK SC", "Noto Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif';
    domains.forEach(([key, info], i) => {
      const x = i * S_ + S_ / 2;
      ctx.beginPath(); ctx.arc(x, S_ / 2, S_ / 2 - 3, 0, Math.PI * 2);
      ctx.fillStyle = `rgb(${info.color.join(",")})`; ctx.fill();
      ctx.lineWidth = 4; ctx.strokeStyle = "rgba(4,12,22,.9)"; ctx.stroke();
      ctx.fillStyle = "#06121e"; ctx.font = font; ctx.fillText(info.glyph, x, S_ / 2 + 2);
      mapping[key] = { x: i * S_, y: 0, width: S_, height: S_, anchorY: S_ / 2, mask: false };
    });
    states.forEach((state, j) => {
      const x0 = (domains.length + j) * S_;
      ctx.fillStyle = `rgb(${STATE_COLORS[state].join(",")})`;
      ctx.beginPath(); ctx.moveTo(x0 + S_ / 2, 3); ctx.lineTo(x0 + S_ - 3, S_ / 2); ctx.lineTo(x0 + S_ / 2, S_ - 3);
      ctx.lineTo(x0 + 3, S_ / 2); ctx.closePath(); ctx.fill();
      ctx.lineWidth = 4; ctx.strokeStyle = "rgba(4,12,22,.9)"; ctx.stroke();
      ctx.fillStyle = "#06121e"; ctx.font = '700 26px "Noto Sans CJK SC", sans-serif'; ctx.fillText("案", x0 + S_ / 2, S_ / 2 + 2);
      mapping[`case-${state}`] = { x: x0, y: 0, width: S_, height: S_, anchorY: S_ / 2, mask: false };
    });
    return { canvas, mapping };
  }
  let atlas = null;

  // ---- events → typed arrays (rebuilt on a coalesced tick, never per message)
  const pos = new Float64Array(S.CAPACITY * 2), col = new Uint8Array(S.CAPACITY * 4);
  let visible = [], gridCounts = new Map();
  function collect(iterate, now, ignoreWindow) {
    let n = 0;
    visible = [];
    gridCounts = new Map();
    iterate((e) => {
      if (e.lon == null || e.lat == null || !S.matches(e, now, ignoreWindow)) return;
      pos[2 * n] = e.lon; pos[2 * n + 1] = e.lat;
      const c = CH.i18n.domainInfo(e.domain).color;
      col[4 * n] = c[0]; col[4 * n + 1] = c[1]; col[4 * n + 2] = c[2]; col[4 * n + 3] = e.alarm ? 255 : 210;
      visible.push(e);
      if (e.grid_code) gridCounts.set(e.grid_code, (gridCounts.get(e.grid_code) || 0) + 1);
      n += 1;
    });
    return n;
  }

  function heatColor(count, max) {
    if (!count) return HEAT[0];
    return HEAT[Math.min(HEAT.length - 1, 1 + Math.floor(((HEAT.length - 2) * Math.log1p(count)) / Math.log1p(max)))];
  }

  // ---- the grid cells of the current view, from the geography API (absent until it lands)
  let cells = null, cellsKey = "", cellsUnavailable = false, cellsStamp = 0;
  async function loadCells(viewport) {
    if (cellsUnavailable || !toggles.cells || viewport.zoom < CELL_ZOOM) return;
    const [w, s, e, n] = viewport.getBounds().map((v) => Math.round(v * 200) / 200);
    const key = [w - 0.005, s - 0.005, e + 0.005, n + 0.005].map((v) => v.toFixed(3)).join(",");
    if (key === cellsKey) return;
    cellsKey = key;
    try {
      const r = await CH.api(`/api/layers/cells?bbox=${key}`);
      if (r.status === 404) { cellsUnavailable = true; return; }
      if (!r.ok) return;
      cells = await r.json();
      cellsStamp += 1;
      CH.layers.dirty = true;
    } catch (err) { /* the hub is away; the next view change retries */ }
  }

  // ---- the device registry (一机一档), loaded on demand
  let devices = null;
  async function loadDevices() {
    if (devices) return;
    devices = { length: 0, list: [] };
    try {
      const r = await CH.api("/api/map/registry");
      const doc = await r.json();
      const list = doc.devices || [], p = new Float64Array(list.length * 2);
      list.forEach((d, i) => { p[2 * i] = d.lon; p[2 * i + 1] = d.lat; });
      devices = { length: list.length, list, positions: p };
    } catch (err) { devices = null; }
    CH.layers.dirty = true;
  }

  const cache = {};
  function base(id) { return (CH.baseLayers || []).find((l) => l.id === id); }
  function show(layer, on) { return layer ? layer.clone({ visible: !!on }) : null; }
  function scaled(layer) { return layer && (CH.scale || 1) !== 1 ? layer.clone({ sizeScale: CH.scale }) : layer; }

  function eventLayers(n, zoom, stamp) {
    const out = [], k = CH.scale || 1;
    const data = { length: n, attributes: { getPosition: { value: pos.subarray(0, 2 * n), size: 2 },
      getFillColor: { value: col.subarray(0, 4 * n), size: 4, normalized: true } } };
    if (toggles.heat && !(cells && zoom >= CELL_ZOOM)) {
      if (!cache.heat || stamp.heat) {
        // object data: the aggregation layers size their bins from attribute bounds, which binary data lacks
        cache.heat = new deck.GridLayer({ id: "heat", data: visible.slice(), getPosition: (e) => [e.lon, e.lat],
          cellSize: 1200, colorRange: HEAT.slice(1).map((c) => c.slice(0, 3)), opacity: 0.4, extruded: false,
          pickable: false, gpuAggregation: false });
      }
      out.push(cache.heat);
    }
    if (toggles.events) {
      out.push(new deck.ScatterplotLayer({ id: "events", data, getRadius: 80, radiusMinPixels: 2.6 * k, radiusMaxPixels: 9 * k,
        stroked: true, getLineColor: [4, 12, 22, 200], lineWidthMinPixels: 0.6, pickable: true }));
    }
    if (toggles.icons && zoom >= 11) {
      out.push(new deck.IconLayer({ id: "event-icons", data: visible.slice(0, 3000), iconAtlas: atlas.canvas,
        iconMapping: atlas.mapping, getIcon: (e) => (CH.META.domains[e.domain] ? e.domain : "other"),
        getPosition: (e) => [e.lon, e.lat], getSize: 22 * k, sizeUnits: "pixels", pickable: true }));
    }
    return out;
  }

  function cellsLayer(zoom) {
    const layer = base("cells");
    if (!layer || !cells || zoom < CELL_ZOOM || !(toggles.cells || toggles.heat)) return show(layer, false);
    let max = 1;
    for (const v of gridCounts.values()) max = Math.max(max, v);
    const code = (f) => (f.properties || {}).grid_code || (f.properties || {}).code;
    return layer.clone({ data: cells, visible: true, filled: toggles.heat, pickable: true,
      getFillColor: (f) => heatColor(gridCounts.get(code(f)), max),
      updateTriggers: { getFillColor: [CH.layers.heatStamp, cellsStamp] } });
  }

  function incidentLayer() {
    const list = Array.from(S.incidents.values()).filter((i) => i.lon != null && i.lat != null
      && (!S.filters.district || i.district_code === S.filters.district));
    return new deck.IconLayer({ id: "incidents", data: list, iconAtlas: atlas.canvas, iconMapping: atlas.mapping,
      getIcon: (i) => (STATE_COLORS[i.state] ? `case-${i.state}` : "case-reported"), getPosition: (i) => [i.lon, i.lat],
      getSize: (i) => (i.overdue ? 1.4 : 1), sizeScale: (CH.view && CH.view.zoom >= 10 ? 24 : 17) * (CH.scale || 1), sizeUnits: "pixels",
      pickable: true, updateTriggers: { getIcon: S.incidentVersion, getSize: S.incidentVersion } });
  }

  // alarms: a steady red ring on the map (pickable) and, above it, a CSS pulse until acknowledged —
  // the pulse costs no WebGL frames, so an idle wall stays idle however many alarms are open
  let alarmData = [];
  function alarmLayer() {
    return new deck.ScatterplotLayer({ id: "alarms", data: alarmData, getPosition: (e) => [e.lon, e.lat], getRadius: 7 * (CH.scale || 1),
      radiusUnits: "pixels", stroked: true, filled: true, getFillColor: [255, 40, 40, 60], getLineColor: [255, 80, 80, 255],
      lineWidthUnits: "pixels", getLineWidth: 1.6, pickable: true });
  }

  const MAX_PULSES = 120;
  function placePulses() {
    // deck.gl has no views until it has started (a slow start, a reload, a redraw that comes first): nothing to place before that
    const box = document.getElementById("pulses"), vp = CH.deck && CH.deck.isInitialized && CH.deck.viewManager && CH.deck.getViewports()[0];
    if (!box || !vp) return;
    const list = toggles.alarms ? alarmData.slice(-MAX_PULSES) : [];
    let html = "";
    for (const e of list) {
      const [x, y] = vp.project([e.lon, e.lat]);
      if (x < -20 || y < -20 || x > vp.width + 20 || y > vp.height + 20) continue;
      html += `<i class="pulse sev${e.severity || 0}" style="left:${x.toFixed(1)}px;top:${y.toFixed(1)}px"></i>`;
    }
    if (box.dataset.html !== html) { box.innerHTML = html; box.dataset.html = html; }
  }

  function deviceLayer() {
    if (!devices || !devices.length) return null;
    return new deck.ScatterplotLayer({ id: "devices", data: { length: devices.length, attributes: {
      getPosition: { value: devices.positions, size: 2 } } }, getFillColor: [150, 200, 255, 150], getRadius: 30,
      radiusMinPixels: 1.6, radiusMaxPixels: 5, pickable: true });
  }

  /** Every layer, bottom to top. `stamp.heat` rebuilds the (heavier) heat aggregation. */
  function compose(iterate, now, ignoreWindow, stamp) {
    atlas = atlas || buildAtlas();
    const zoom = CH.view ? CH.view.zoom : 8;
    const n = collect(iterate, now, ignoreWindow);
    alarmData = S.alarms.open().slice(-150).filter((e) => e.lon != null && (!CH.replay || !CH.replay.active) && S.matches(e, now, true));
    if (stamp.heat) CH.layers.heatStamp += 1;
    const layers = [
      base("districts"), show(base("communities"), toggles.communities && zoom >= 10.5),
      show(base("towns"), toggles.towns), cellsLayer(zoom),
      ...eventLayers(n, zoom, stamp),
      toggles.incidents ? incidentLayer() : null,
      toggles.alarms ? alarmLayer() : null,
      toggles.devices ? deviceLayer() : null,
      ...(CH.health ? CH.health.layers() : []),
      ...(CH.command ? CH.command.layers() : []),
      scaled(base("district-labels")), scaled(show(base("town-labels"), toggles.towns && zoom >= 9.6)),
      CH.layers.pin,
    ];
    CH.layers.drawn = n;
    return layers.filter(Boolean);
  }

  function pick(info) {
    if (!info || !info.layer) return null;
    const id = info.layer.id;
    if (id.startsWith("health-")) return CH.health ? CH.health.pick(info) : null;
    if (id === "events" && info.index >= 0) return { kind: "event", item: visible[info.index] };
    if ((id === "event-icons" || id === "alarms") && info.object) return { kind: "event", item: info.object };
    if (id === "incidents" && info.object) return { kind: "incident", item: info.object };
    if (id === "devices" && info.index >= 0 && devices) return { kind: "device", item: devices.list[info.index] };
    if (id === "cells" && info.object) return { kind: "cell", item: info.object.properties || {} };
    if (info.object && info.object.properties) return { kind: "area", item: info.object.properties };
    return null;
  }

  function setToggle(key, on) {
    toggles[key] = on;
    localStorage.setItem("cityhub.layers", JSON.stringify(toggles));
    if (key === "devices" && on) loadDevices();
    if (key === "cells" && !on) { cells = null; cellsKey = ""; }
    CH.layers.dirty = true;
  }

  CH.layers = { compose, placePulses, pick, toggles, setToggle, loadCells, loadDevices, STATE_COLORS, dirty: true, heatStamp: 0,
    pin: null, drawn: 0, visible: () => visible };
  if (toggles.devices) loadDevices();
})();

// Joint command on the map: response units (live positions and status), the route of every unit on its
// way to an incident (from the server's journeys, so every screen and a reload draw the same), and the
// panel of recommendations, committed units with live ETAs and a recall, and surroundings.
// Names of statuses and capabilities come from the server (/api/resources), never from here.
(function () {
  const CH = window.CH;
  const esc = (s) => String(s == null ? "" : s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  const STATUS_COLORS = { available: [60, 200, 120], dispatched: [255, 200, 40], "en-route": [255, 120, 30],
    "on-scene": [240, 50, 50], returning: [120, 170, 255], "out-of-service": [120, 120, 120] };
  let units = [], names = { statuses: {}, dispatches: {}, capabilities: {} }, chosen = null, routes = [], committed = [], drawn = "";
  let routeSignature = "";

  async function loadUnits() {
    try {
      const r = await CH.api("/api/resources");
      if (!r.ok) return;
      const doc = await r.json();
      names = { statuses: doc.status_names || {}, dispatches: doc.dispatch_status_names || {},
        capabilities: doc.capability_names || {} };
      units = doc.items.flatMap((site) => site.units.map((u) => Object.assign({ site: site.name }, u)));
      const signature = units.map((u) => `${u.id}:${u.lon}:${u.lat}:${u.status}:${u.silent}`).join();
      if (signature !== drawn) { drawn = signature; CH.layers.dirty = true; }  // redraw only what moved
      await loadRoutes();
      if (chosen != null) refreshCommitted();
    } catch (err) { /* the hub is away; retried on the next round */ }
  }

  // Every journey on the way (GET /api/dispatches, city-wide readers); a reader of one area sees the
  // journeys of the incident it chose.
  const journeys = (items) => items.filter((d) => d.route).map((d) => ({ unit: d.unit_id, dispatch: d.id,
    incident: d.incident_id, path: d.route.path.geometry.coordinates, coordinates: d.route.remaining.geometry.coordinates }));

  async function loadRoutes() {
    const r = await CH.api("/api/dispatches");
    const next = r.ok ? journeys((await r.json()).items) : journeys(committed);
    const signature = next.map((j) => `${j.dispatch}:${j.coordinates.length}:${j.coordinates[0]}`).join();
    if (signature !== routeSignature) { routeSignature = signature; routes = next; CH.layers.dirty = true; }
  }

  function layers() {
    if (!window.deck) return [];
    const out = [];
    if (routes.length) {
      out.push(new deck.PathLayer({ id: "command-paths", data: routes, getPath: (d) => d.path,
        getColor: [255, 140, 0, 90], getWidth: 3, widthUnits: "pixels" }));
      out.push(new deck.PathLayer({ id: "command-routes", data: routes, getPath: (d) => d.coordinates,
        getColor: [255, 140, 0, 230], getWidth: 5, widthUnits: "pixels" }));
    }
    out.push(new deck.ScatterplotLayer({ id: "command-units", data: units, pickable: true,
      getPosition: (u) => [u.lon, u.lat], getRadius: 7, radiusUnits: "pixels", stroked: true,
      getFillColor: (u) => (STATUS_COLORS[u.status] || [200, 200, 200]).concat([u.silent ? 120 : 240]),
      getLineColor: [4, 12, 22, 255], lineWidthUnits: "pixels", getLineWidth: 2,
      updateTriggers: { getFillColor: units.map((u) => u.status + u.silent).join() } }));
    return out;
  }

  function panel() {
    let box = document.getElementById("command-panel");
    if (!box) {
      box = document.createElement("div");
      box.id = "command-panel";
      box.className = "command";
      const list = document.getElementById("incident-list");
      list.parentNode.insertBefore(box, list);
      box.addEventListener("click", (ev) => {
        const b = ev.target.closest("button[data-unit]");
        if (b) dispatch(b.dataset.unit, b);
        const back = ev.target.closest("button[data-recall]");
        if (back) recall(back.dataset.recall, back);
      });
    }
    return box;
  }

  const minutes = (s) => (s == null ? "—" : `${(s / 60).toFixed(1)} 分钟`);
  const km = (m) => (m == null ? "" : `${(m / 1000).toFixed(1)} km`);

  async function choose(id) {
    chosen = id;
    const box = panel();
    box.innerHTML = `<p class="muted">…</p>`;
    const [rec, around] = await Promise.all([
      CH.api(`/api/incidents/${id}/recommendations`).then((r) => (r.ok ? r.json() : null)),
      CH.api(`/api/incidents/${id}/surroundings?radius=800`).then((r) => (r.ok ? r.json() : null)),
    ]);
    if (chosen !== id) return;
    if (!rec) { box.innerHTML = `<p class="muted">无推荐（无位置或无权限）</p>`; return; }
    const caps = rec.capabilities.map((c) => `<li data-capability="${esc(c.capability)}"><b>${esc(names.capabilities[c.capability] || c.capability)}</b> ×${c.needed}`
      + (c.short ? ` <em class="overdue">缺${c.short}</em>` : "")
      + `<ol>${c.units.map((u) => `<li data-rec="${esc(u.unit)}" class="${u.recommended ? "recommended" : ""}">${esc(u.call_sign)} · ${minutes(u.eta_s)} · ${km(u.metres)}`
        + ` <button data-unit="${esc(u.unit)}">派遣</button></li>`).join("")}</ol></li>`).join("");
    const supplies = rec.supplies.slice(0, 3).map((s) => `<li>${esc(s.name)} · ${minutes(s.eta_s)} · 沙袋${s.stock.sandbags} 水泵${s.stock.pumps} 发电机${s.stock.generators} 救生衣${s.stock.life_jackets}</li>`).join("");
    let near = "";
    if (around) {
      const hyd = around.hydrants.slice(0, 5).map((h) => {
        const last = h.latest["city.fire.hydrant.pressure"];
        return `<li data-hydrant="${esc(h.device_id)}">${esc(h.name)} · ${Math.round(h.distance_m)} m${last ? ` · ${esc(last.data.pressure_mpa)} MPa ${esc(last.data.state || "")}` : ""}</li>`;
      }).join("");
      const hosp = around.hospitals.slice(0, 3).map((s) => `<li>${esc(s.name)} · ${minutes(s.eta_s)} · ${esc(s.beds)}床</li>`).join("");
      const shel = around.shelters.slice(0, 3).map((s) => `<li>${esc(s.name)} · ${minutes(s.eta_s)} · 容纳${esc(s.capacity)}人</li>`).join("");
      near = `<h4>消火栓</h4><ol>${hyd || "<li class='muted'>无</li>"}</ol><h4>医院</h4><ol>${hosp}</ol><h4>避难场所</h4><ol>${shel}</ol>`
        + `<p class="muted">危化品场所 ${around.hazmat_sites.length} · 视频 ${around.cameras.length} · 预警 ${around.weather_warnings.length} · 附近事件 ${around.incidents_nearby.length}</p>`;
    }
    box.innerHTML = `<h3>调派推荐 · ${esc(rec.plan ? rec.plan.line : "无预案")}</h3><ol class="caps">${caps}</ol>`
      + `<h4>已派力量</h4><ol id="command-committed"></ol><input id="command-recall-reason" placeholder="召回原因" maxlength="200"><h4>应急物资</h4><ol>${supplies}</ol>${near}<p id="command-msg" class="muted"></p>`;
    refreshCommitted();
  }

  async function refreshCommitted() {
    if (chosen == null) return;
    let r;
    try { r = await CH.api(`/api/incidents/${chosen}/dispatches`); } catch (err) { return; }  // retried next round
    if (!r.ok) return;
    committed = (await r.json()).items;
    const now = Date.now() / 1000;
    const el = document.getElementById("command-committed");
    if (el) {
      el.innerHTML = committed.map((d) => {
        const state = d.now || {}, eta = d.route ? Math.max(0, d.route.eta_at - now) : null;
        const mine = state.incident_id === d.incident_id;  // the unit is still on this dispatch
        const shown = mine ? state.status : d.status;
        return `<li data-committed="${esc(d.unit_id)}" data-dispatch="${esc(d.id)}" data-status="${esc(shown)}">${esc(d.call_sign)} · ${esc((mine ? names.statuses : names.dispatches)[shown] || shown)}`
          + `${eta != null ? ` · 预计 ${minutes(eta)}` : ""}${mine && state.silent ? ` <em class="overdue">失联</em>` : ""}`
          + `${d.route ? ` <button data-recall="${esc(d.id)}">召回</button>` : ""}</li>`;
      }).join("") || `<li class="muted">无</li>`;
    }
  }

  async function dispatch(unit, button) {
    const msg = document.getElementById("command-msg");
    button.disabled = true;
    const r = await CH.api(`/api/incidents/${chosen}/dispatches`, { method: "POST",
      headers: { "Content-Type": "application/json" }, body: JSON.stringify({ unit }) });
    const doc = await r.json().catch(() => ({}));
    if (!r.ok) { msg.textContent = `失败：${doc.detail || r.status}`; button.disabled = false; return; }
    msg.textContent = `已派遣 ${doc.call_sign}，预计 ${minutes(doc.eta_s)}`;
    await loadUnits();
  }

  async function recall(dispatchId, button) {
    const msg = document.getElementById("command-msg"), reason = document.getElementById("command-recall-reason");
    if (!reason.value.trim()) { msg.textContent = "请填写召回原因"; reason.focus(); return; }
    button.disabled = true;
    const r = await CH.api(`/api/incidents/${chosen}/dispatches/${dispatchId}/recall`, { method: "POST",
      headers: { "Content-Type": "application/json" }, body: JSON.stringify({ reason: reason.value.trim() }) });
    const doc = await r.json().catch(() => ({}));
    if (!r.ok) { msg.textContent = `失败：${doc.detail || r.status}`; button.disabled = false; return; }
    msg.textContent = `已召回 ${doc.call_sign}`;
    reason.value = "";
    await loadUnits();
  }

  function wire() {
    const list = document.getElementById("incident-list");
    if (list) list.addEventListener("click", (ev) => {
      const li = ev.target.closest("[data-incident]");
      if (li && !ev.target.closest("button")) choose(li.dataset.incident);
    });
    loadUnits();
    setInterval(loadUnits, 2000);
  }

  CH.command = { layers, choose, loadUnits, units: () => units, routes: () => routes, committed: () => committed };
  wire();
})();

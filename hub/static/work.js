// The operator's work: filters, address search (the geocoder) and the incident case flow.
(function () {
  const CH = window.CH, S = CH.state, I = CH.i18n, P = CH.panels;
  const $ = (id) => document.getElementById(id);
  const esc = P.esc;
  // the case flow is the server's (hub/incidents/flow.py): each incident item carries the steps it allows now
  // (`next_states`), and the bootstrap names the open states; the page keeps no copy of either
  const OPEN = new Set(((CH.META.flow || {}).open) || []);

  // ---- filters
  function renderDomainChips() {
    const domains = Object.keys(CH.META.domains);
    const on = S.filters.domains;
    $("f-domains").innerHTML = domains.map((d) => `<button type="button" data-domain="${d}" class="dchip${!on || on.has(d) ? " on" : ""}"`
      + ` style="--c:rgb(${CH.META.domains[d].color.join(",")})">${esc(I.domainName(d))}</button>`).join("");
  }

  function options(select, rows, current) {
    const html = [`<option value="">${esc(I.t("f.all"))}</option>`]
      .concat(rows.map(([v, label]) => `<option value="${esc(v)}"${v === current ? " selected" : ""}>${esc(label)}</option>`)).join("");
    if (select.dataset.html !== html) { select.innerHTML = html; select.dataset.html = html; }
  }

  function refreshOptions() {
    options($("f-type"), Array.from(S.seenTypes).sort().map((t) => [t, t]), S.filters.type);
    options($("f-district"), Object.keys(CH.META.districts).sort().map((c) => [c, I.districtName(c)]), S.filters.district);
    const towns = new Map(Object.entries(CH.META.towns).map(([c, t]) => [c, t.name]));
    for (const [c, name] of S.seenTowns) if (!towns.has(c)) towns.set(c, name);
    const inDistrict = Array.from(towns).filter(([c]) => !S.filters.district || c.startsWith(S.filters.district));
    options($("f-town"), inDistrict.sort(), S.filters.town);
    const sev = $("f-severity");
    sev.innerHTML = CH.META.severities.map((_, i) => `<option value="${i}"${i === S.filters.severity ? " selected" : ""}>`
      + `${i ? I.t("f.sevmin") + " " : ""}${esc(I.severityName(i))}</option>`).join("");
    $("f-window").querySelectorAll("option").forEach((o) => { o.textContent = I.t(`t.${o.value}`); });
  }

  function changed() { CH.layers.dirty = true; CH.charts && CH.charts.refresh(); }

  function wireFilters() {
    $("f-domains").addEventListener("click", (ev) => {
      const b = ev.target.closest("[data-domain]");
      if (!b) return;
      const all = Object.keys(CH.META.domains);
      const on = new Set(S.filters.domains || all);
      if (on.has(b.dataset.domain)) on.delete(b.dataset.domain); else on.add(b.dataset.domain);
      // keep domains the page has no name for (new sources) visible unless the operator narrows down
      S.setFilter("domains", on.size === all.length ? null : on);
      renderDomainChips(); changed();
    });
    for (const [id, key, num] of [["f-type", "type"], ["f-district", "district"], ["f-town", "town"], ["f-severity", "severity", true], ["f-window", "window"]]) {
      $(id).addEventListener("change", (ev) => {
        S.setFilter(key, num ? Number(ev.target.value) : ev.target.value);
        if (key === "district") S.setFilter("town", "");
        refreshOptions(); changed();
      });
    }
    $("f-reset").addEventListener("click", () => {
      Object.assign(S.filters, { domains: null, type: "", district: "", town: "", severity: 0, window: "1h" });
      S.setFilter("window", "1h"); $("f-window").value = "1h";
      renderDomainChips(); refreshOptions(); changed();
    });
  }

  // ---- search by address: the geocoder, then fly there
  function wireSearch() {
    $("search").addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const q = $("search-q").value.trim(), out = $("search-out");
      if (!q) return;
      out.textContent = "…";
      try {
        const r = await CH.api(`/api/geocode?q=${encodeURIComponent(q)}`);
        if (r.status === 404 && !(r.headers.get("content-type") || "").includes("json")) { out.textContent = I.t("search.unavailable"); return; }
        const doc = await r.json();
        const hit = doc.lon != null ? doc : (doc.candidates || doc.results || [])[0];
        if (!r.ok || !hit || hit.lon == null || doc.matched === false) { out.textContent = I.t("search.none"); return; }
        out.textContent = `${hit.text || hit.standard_address || q}${hit.grid_code ? " · " + hit.grid_code : ""}`;
        CH.layers.pin = [new deck.ScatterplotLayer({ id: "search-pin", data: [hit], getPosition: (d) => [d.lon, d.lat],
          getRadius: 9, radiusUnits: "pixels", getFillColor: [255, 255, 255, 230], stroked: true, getLineColor: [0, 200, 255, 255],
          lineWidthUnits: "pixels", getLineWidth: 3 }),
        new deck.TextLayer({ id: "search-label", data: [hit], getPosition: (d) => [d.lon, d.lat], getText: (d) => d.text || q,
          characterSet: "auto", fontFamily: '"Noto Sans CJK SC", sans-serif', getSize: 15, getColor: [255, 255, 255, 255],
          getPixelOffset: [0, -20], outlineWidth: 3, outlineColor: [4, 12, 22, 255], fontSettings: { sdf: true } })];
        CH.layers.dirty = true;
        CH.flyTo(hit.lon, hit.lat, 16);
      } catch (err) { out.textContent = I.t("search.unavailable"); }
    });
  }

  // ---- incidents: list, state, case-flow actions with the operator token
  let incidentsAvailable = null;
  async function loadIncidents() {
    try {
      const r = await CH.api("/api/incidents?limit=1000");
      if (!r.ok) { incidentsAvailable = false; renderIncidents(); return; }
      incidentsAvailable = true;
      const doc = await r.json();
      const list = Array.isArray(doc) ? doc : doc.items || doc.incidents || (doc.features || []).map((f) => f.properties);
      list.forEach(S.upsertIncident);
      renderIncidents();
    } catch (err) { /* the hub is away; retried on the next round */ }
  }

  const nextStates = (i) => i.next_states || [];
  const isOpen = (i) => OPEN.has(i.state);

  function renderIncidents() {
    const list = Array.from(S.incidents.values()).filter((i) => !S.filters.district || i.district_code === S.filters.district)
      .sort((a, b) => (b.overdue ? 1 : 0) - (a.overdue ? 1 : 0) || (isOpen(b) ? 1 : 0) - (isOpen(a) ? 1 : 0)
        || String(b.updated_at || b.created_at || "").localeCompare(String(a.updated_at || a.created_at || "")));
    const open = list.filter(isOpen);
    $("kpi-open").textContent = String(open.length);
    $("kpi-overdue").textContent = String(open.filter((i) => i.overdue).length);
    $("incident-count").textContent = String(open.length);
    if (incidentsAvailable === false && !list.length) { $("incident-list").innerHTML = `<li class="empty">${esc(I.t("i.unavailable"))}</li>`; return; }
    $("incident-list").innerHTML = list.length ? list.slice(0, 150).map((i) => {
      const color = (CH.layers.STATE_COLORS[i.state] || [200, 200, 200]).join(",");
      const due = i.due_at ? `${I.t("i.due")} ${P.when(Date.parse(i.due_at))}` : "";
      return `<li data-incident="${esc(i.id)}" class="${i.overdue ? "overdue" : ""}"><div class="row"><b>${esc(i.title || i.type || i.id)}</b>`
        + `<span class="state" data-state="${esc(i.state)}" style="--c:rgb(${color})">${esc(I.stateName(i.state))}</span></div>`
        + `<div class="muted">${esc(I.districtName(i.district_code))} · ${esc(i.department || "")} · ${esc(due)}`
        + `${i.overdue ? ` <em class="overdue">${esc(I.t("i.overdue"))}</em>` : ""}</div>`
        + `<div class="actions">${departmentChoice(i)}${nextStates(i).map((to) => `<button data-to="${esc(to)}">${esc(I.stepName(i.state, to))}</button>`).join("")}</div></li>`;
    }).join("") : `<li class="empty">${esc(I.t("i.none"))}</li>`;
  }

  // a dispatch may name its department (re-dispatch after 回退): 改派… offers those responsible at the case's
  // place (GET /api/incidents/{id}/departments); the choice is kept across re-renders until the step is taken
  const choosing = new Map();  // incident id → { departments, selected }
  function departmentChoice(i) {
    if (i.state !== "registered" || !nextStates(i).includes("dispatched")) return "";
    const chosen = choosing.get(String(i.id));
    if (!chosen) return `<button data-choose="1">${esc(I.t("i.choose"))}</button>`;
    return `<select data-department>${chosen.departments.map((d) => `<option${d === chosen.selected ? " selected" : ""}>${esc(d)}</option>`).join("")}</select>`;
  }

  async function chooseDepartment(id) {
    const r = await CH.api(`/api/incidents/${encodeURIComponent(id)}/departments`);
    if (!r.ok) { $("incident-msg").textContent = `${I.t("i.failed")}: ${r.status}`; return; }
    const doc = await r.json();
    choosing.set(String(id), { departments: doc.departments || [], selected: doc.department });
    renderIncidents();
  }

  async function transition(id, to, li) {
    const token = sessionStorage.getItem("cityhub.token");
    const msg = $("incident-msg");
    if (!token) { msg.textContent = I.t("i.needtoken"); $("token").focus(); return; }
    li.classList.add("busy");
    try {
      const r = await CH.api(`/api/incidents/${encodeURIComponent(id)}/transitions`, { method: "POST",
        headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
        body: JSON.stringify({ to, note: $("incident-note").value || "",
          ...(to === "dispatched" && choosing.has(String(id)) ? { department: choosing.get(String(id)).selected } : {}) }) });
      const doc = await r.json().catch(() => ({}));
      if (!r.ok) { msg.textContent = `${I.t("i.failed")}: ${doc.detail || r.status}`; return; }
      choosing.delete(String(id));
      S.upsertIncident(doc.id != null ? doc : { id, state: to });
      msg.textContent = `${I.t("i.done")}: ${id} → ${I.stateName(to)}`;
      $("incident-note").value = "";
      renderIncidents(); CH.layers.dirty = true;
    } catch (err) { msg.textContent = `${I.t("i.failed")}: ${err}`; } finally { li.classList.remove("busy"); }
  }

  function focusIncident(id) {
    CH.ui && CH.ui.showTab("incidents");
    const li = document.querySelector(`[data-incident="${CSS.escape(String(id))}"]`);
    if (li) { li.scrollIntoView({ block: "nearest" }); li.classList.add("focus"); setTimeout(() => li.classList.remove("focus"), 2000); }
  }

  function wireIncidents() {
    const token = $("token");
    token.value = sessionStorage.getItem("cityhub.token") || "";
    $("token-form").addEventListener("submit", (ev) => {
      ev.preventDefault();
      sessionStorage.setItem("cityhub.token", token.value.trim());
      $("incident-msg").textContent = "✓";
    });
    $("incident-list").addEventListener("change", (ev) => {
      const li = ev.target.closest("[data-incident]");
      const chosen = li && ev.target.matches("select[data-department]") && choosing.get(li.dataset.incident);
      if (chosen) chosen.selected = ev.target.value;
    });
    $("incident-list").addEventListener("click", (ev) => {
      const b = ev.target.closest("button[data-to]");
      const li = ev.target.closest("[data-incident]");
      if (li && ev.target.closest("button[data-choose]")) { chooseDepartment(li.dataset.incident); return; }
      if (ev.target.closest("select")) return;
      if (b && li) { transition(li.dataset.incident, b.dataset.to, li); return; }
      const inc = li && S.incidents.get(li.dataset.incident) || (li && S.incidents.get(Number(li.dataset.incident)));
      if (inc && inc.lon != null) CH.flyTo(inc.lon, inc.lat, 15);
    });
  }

  function wire() {
    wireFilters(); wireSearch(); wireIncidents();
    renderDomainChips(); refreshOptions();
    I.onChange(() => { renderDomainChips(); refreshOptions(); renderIncidents(); });
    loadIncidents();
    setInterval(loadIncidents, 20000);
    setInterval(refreshOptions, 3000);
  }

  CH.work = { wire, loadIncidents, renderIncidents, focusIncident, OPEN, available: () => incidentsAvailable };
})();

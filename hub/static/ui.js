// One responsive page, three layouts (一屏两端): the wall (大屏), the desktop (PC) and the mobile end.
(function () {
  const CH = window.CH, I = CH.i18n, L = CH.layers;
  const $ = (id) => document.getElementById(id);
  const WALL_SIDE = ["district", "domain", "type", "severity", "town", "dept"];
  const WALL_STRIP = ["hour", "trend", "cells", "state", "openDept", "overdue"];
  const RIGHT_TABS = ["feed", "alarms", "incidents", "analysis"];
  const LEFT_GROUPS = ["search", "filters", "layers", "replay"];
  const LAYERS = ["heat", "events", "icons", "incidents", "alarms", "devices", "towns", "communities", "cells"];
  let tab = sessionStorage.getItem("cityhub.tab") || "feed";

  function layoutFor(w, h) {
    const forced = new URLSearchParams(location.search).get("layout");
    if (["wall", "desktop", "mobile"].includes(forced)) return forced;
    if (w <= 760) return "mobile";
    return w >= 1800 && h >= 900 ? "wall" : "desktop";
  }

  function placeCharts(layout) {
    const cards = Array.from(document.querySelectorAll(".chart[data-view]"));
    const byId = (id) => cards.find((c) => c.dataset.view === id);
    if (layout === "wall") {
      WALL_SIDE.forEach((id) => $("left-charts").appendChild(byId(id)));
      WALL_STRIP.forEach((id) => $("strip").appendChild(byId(id)));
    } else {
      cards.forEach((c) => $("analysis").appendChild(c));
    }
  }

  function showSections() {
    const layout = document.body.dataset.layout;
    document.querySelectorAll(".panel[data-group]").forEach((p) => {
      const g = p.dataset.group;
      let on = true;
      if (layout === "desktop") on = LEFT_GROUPS.includes(g) || g === tab;
      if (layout === "mobile") on = tab === "filters" ? LEFT_GROUPS.includes(g) : g === tab;
      if (layout === "wall") on = g !== "analysis";
      p.classList.toggle("off", !on);
    });
    document.querySelectorAll("#tabs [data-tab]").forEach((b) => b.classList.toggle("on", b.dataset.tab === tab));
    $("left").classList.toggle("off", layout === "mobile" && tab !== "filters");
    $("right").classList.toggle("off", layout === "mobile" && tab === "filters");
  }

  function showTab(next) {
    const layout = document.body.dataset.layout;
    if (next === "filters" && layout !== "mobile") next = "feed";
    tab = next;
    sessionStorage.setItem("cityhub.tab", tab);
    showSections();
    requestAnimationFrame(() => { CH.charts.draw(); if (next === "feed") CH.panels.renderFeed(); });
  }

  function applyLayout() {
    const layout = layoutFor(window.innerWidth, window.innerHeight);
    // marks, icons and labels on the map grow with the page's type (a 4K wall doubles them)
    const root = parseFloat(getComputedStyle(document.documentElement).fontSize) || 15;
    const scale = Math.max(1, root / 15);
    if (CH.scale !== scale) { CH.scale = scale; L.dirty = true; }
    if (document.body.dataset.layout !== layout || !applyLayout.done) {
      document.body.dataset.layout = layout;
      placeCharts(layout);
      if (layout !== "mobile" && tab === "filters") tab = "feed";
      if (layout === "wall" && tab === "analysis") tab = "feed";
      applyLayout.done = true;
    }
    showSections();
    requestAnimationFrame(() => { CH.charts.draw(); fitCity(); });
  }

  /** The whole city in view, whatever the size of the map (wall, desktop, phone). */
  function fitCity() {
    const el = $("map"), box = CH.META.bbox;
    if (!box || !CH.deck || !el.clientWidth || fitCity.done === `${el.clientWidth}x${el.clientHeight}`) return;
    fitCity.done = `${el.clientWidth}x${el.clientHeight}`;
    const pad = Math.round(Math.min(el.clientWidth, el.clientHeight) * 0.04);
    const vp = new deck.WebMercatorViewport({ width: el.clientWidth, height: el.clientHeight })
      .fitBounds([[box[0], box[1]], [box[2], box[3]]], { padding: pad });
    CH.deck.setProps({ initialViewState: { longitude: vp.longitude, latitude: vp.latitude, zoom: vp.zoom, pitch: 0, bearing: 0 } });
    CH.view = { longitude: vp.longitude, latitude: vp.latitude, zoom: vp.zoom };
  }

  function renderToggles() {
    $("layer-toggles").innerHTML = LAYERS.map((k) => `<label class="tog"><input type="checkbox" data-layer="${k}"`
      + `${L.toggles[k] ? " checked" : ""}><span>${CH.panels.esc(I.t(`l.${k}`))}</span></label>`).join("");
  }

  function renderLegend() {
    const seen = new Set();
    CH.state.eachNewest((e) => { seen.add(e.domain); return seen.size < 14; });
    const domains = Object.keys(CH.META.domains).filter((d) => seen.has(d));
    $("legend").innerHTML = (domains.length ? domains : Object.keys(CH.META.domains).slice(0, 6))
      .map((d) => `<span>${CH.panels.chip({ domain: d })}${CH.panels.esc(I.domainName(d))}</span>`).join("");
  }

  function wire() {
    $("tabs").addEventListener("click", (ev) => { const b = ev.target.closest("[data-tab]"); if (b) showTab(b.dataset.tab); });
    $("toggle-left").addEventListener("click", () => document.body.classList.toggle("left-open"));
    $("lang").addEventListener("click", () => I.setLang(I.lang === "zh" ? "en" : "zh"));
    $("layer-toggles").addEventListener("change", (ev) => {
      const box = ev.target.closest("[data-layer]");
      if (box) L.setToggle(box.dataset.layer, box.checked);
    });
    renderToggles();
    renderLegend();
    I.onChange(() => { renderToggles(); renderLegend(); });
    setInterval(renderLegend, 5000);
    applyLayout();
    let timer = null;
    window.addEventListener("resize", () => { clearTimeout(timer); timer = setTimeout(applyLayout, 120); });
  }

  CH.ui = { wire, showTab, applyLayout, fitCity, get tab() { return tab; } };
})();

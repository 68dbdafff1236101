// The live map: the pydeck-defined deck, events and incident changes from WS /ws/live, coalesced redraws,
// reconnection after a hub restart with the gap filled from the history API.
(function () {
  const CH = window.CH, S = CH.state, I = CH.i18n, P = CH.panels, L = CH.layers;
  const $ = (id) => document.getElementById(id);
  const TICK_MS = 250, FEED_MS = 500, HEAT_MS = 2000, GAP_PAGES = 10;
  const live = (window.CITYHUB = { state: S, connected: false, reconnects: 0, dropped: 0, messages: 0 });

  I.apply();
  const deckInstance = createDeck({ container: $("map"), jsonInput: window.CITYHUB_DECK, tooltip: false });
  CH.deck = window.deckInstance = deckInstance;
  CH.baseLayers = (deckInstance.props.layers || []).slice();
  CH.view = Object.assign({}, window.CITYHUB_DECK.initialViewState);
  let viewTimer = null, zoomBand = -1, pulseFrame = 0;
  deckInstance.setProps({
    onViewStateChange: ({ viewState }) => {
      CH.view = viewState;
      if (!pulseFrame) pulseFrame = requestAnimationFrame(() => { pulseFrame = 0; L.placePulses(); });
      const band = Math.floor(viewState.zoom * 2);
      if (band !== zoomBand) { zoomBand = band; L.dirty = true; }
      clearTimeout(viewTimer);
      viewTimer = setTimeout(() => { const vp = deckInstance.getViewports()[0]; if (vp) L.loadCells(vp); }, 400);
    },
    onHover: P.tooltip, onClick: P.click,
    getCursor: ({ isHovering, isDragging }) => (isDragging ? "grabbing" : isHovering ? "pointer" : "grab"),
  });

  CH.flyTo = (lon, lat, zoom) => {
    if (lon == null || lat == null) return;
    deckInstance.setProps({ initialViewState: Object.assign({}, CH.view, { longitude: lon, latitude: lat,
      zoom: Math.max(zoom || 14, CH.view.zoom || 0), transitionDuration: 1200, transitionInterpolator: new deck.FlyToInterpolator() }) });
  };

  // ---- what arrives
  function take(items, dropped) {
    let added = 0;
    for (const item of items) {
      if (item.kind === "event") {
        if (S.add(item)) {
          added += 1;
          if (!S.lastSeen || item.ms > S.lastSeen) S.lastSeen = item.ms;
        }
      } else if (item.kind === "incident") S.upsertIncident(item);
      else if (item.kind === "alarm" && item.uid) {
        const e = S.get(item.uid);
        if (e) { e.alarm = true; S.alarms.add(e); } else if (item.lon != null) S.add(Object.assign({ severity: 3 }, item, { kind: "event" }));
      } else if (CH.people) CH.people.take(item); // an alarm acknowledged on another screen (people.js)
    }
    S.count(added);
    if (dropped) { live.dropped += dropped; $("dropped").textContent = `${I.t("dropped")} ${live.dropped}`; }
  }

  async function fillGap(first) {
    const since = first || !S.lastSeen ? Date.now() - 3600e3 : S.lastSeen - 60e3;
    let url = `/api/events?since=${encodeURIComponent(new Date(since).toISOString())}&limit=${first ? 2000 : 5000}`;
    const found = [];
    try {
      for (let page = 0; url && page < (first ? 1 : GAP_PAGES); page++) {
        const r = await CH.api(url);
        if (!r.ok) break;
        const doc = await r.json();
        for (const f of doc.features || []) found.push(S.fromFeature(f));
        const next = (doc.links || []).find((l) => l.rel === "next");
        url = next ? next.href.replace(/^https?:\/\/[^/]+/, "") : null;
      }
    } catch (err) { return; }
    found.sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
    let added = 0;
    for (const e of found) if (S.add(e)) { added += 1; if (!S.lastSeen || e.ms > S.lastSeen) S.lastSeen = e.ms; }
    live.gapFilled = (live.gapFilled || 0) + added;
  }

  function setStatus(state) {
    const el = $("status");
    if (state === "token" && el.dataset.state !== "token") { CH.ui.showTab("incidents"); $("token").focus(); }
    el.dataset.state = state;
    el.textContent = I.t(`status.${state}`);
  }

  let attempts = 0, ever = false;
  function connect() {
    const token = CH.token(), url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws/live`;
    // a browser cannot set headers on a WebSocket: the hub reads the token from the subprotocol "bearer.<token>"
    const ws = token ? new WebSocket(url, ["cityhub", `bearer.${token}`]) : new WebSocket(url);
    live.ws = ws;
    ws.onopen = () => {
      attempts = 0; live.connected = true; setStatus("live");
      if (ever) { live.reconnects += 1; fillGap(false); }
      if (ever || CH.token()) { CH.work.loadIncidents(); CH.charts.refresh(); } // new data, or now allowed to read it
      ever = true;
    };
    ws.onmessage = (m) => {
      live.messages += 1;
      const msg = JSON.parse(m.data);
      if (msg.kind === "batch") take(msg.items || [], msg.dropped || 0);
    };
    ws.onclose = () => {
      const opened = live.connected;
      live.connected = false; setStatus("down");
      // a refused handshake looks like any other failure: ask a read that needs the viewer token why
      if (!opened) CH.api("/api/analysis").then((r) => { if (r.status === 401 || r.status === 403) setStatus("token"); }, () => {});
      setTimeout(connect, Math.min(5000, 400 * 2 ** attempts++));
    };
    ws.onerror = () => ws.close();
  }

  // ---- coalesced redraws
  let seen = {}, lastHeat = 0, lastFeed = 0, lastTick = performance.now(), current = [];
  const owed = { feed: false, alarms: false, incidents: false };
  function redraw() {
    const now = performance.now(), dt = now - lastTick;
    lastTick = now;
    CH.replay.tick(dt);
    const marks = { v: S.version, f: S.filterVersion, i: S.incidentVersion, a: S.alarms.count };
    const changed = L.dirty || marks.v !== seen.v || marks.f !== seen.f || marks.i !== seen.i || marks.a !== seen.a;
    if (changed) {
      const heat = L.dirty || marks.f !== seen.f || now - lastHeat > HEAT_MS;
      if (heat) lastHeat = now;
      L.dirty = false;
      current = CH.replay.active ? L.compose(CH.replay.iterate, CH.replay.cursor, true, { heat })
        : L.compose(S.eachNewest, Date.now(), false, { heat });
      deckInstance.setProps({ layers: current });
      L.placePulses();
      window.CITYHUB_RENDERED = L.drawn;
      owed.feed = true;
      owed.alarms = owed.alarms || marks.a !== seen.a || marks.v !== seen.v;
      owed.incidents = owed.incidents || marks.i !== seen.i || marks.f !== seen.f;
      seen = marks;
    }
    if (owed.feed && now - lastFeed > FEED_MS) {
      lastFeed = now;
      P.renderFeed();
      if (owed.alarms) P.renderAlarms();
      if (owed.incidents) CH.work.renderIncidents();
      Object.assign(owed, { feed: false, alarms: false, incidents: false });
    }
  }
  setInterval(redraw, TICK_MS);
  // ---- the header: counters and the clock
  const clock = new Intl.DateTimeFormat("zh-CN", { timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
  async function health() {
    try {
      const doc = await (await CH.api("/healthz")).json();
      live.stored = (doc.store || {}).events;
    } catch (err) { /* away; the status shows it */ }
  }
  setInterval(() => {
    $("clock").textContent = clock.format(new Date());
    $("kpi-total").textContent = String(Math.max(live.stored || 0, S.received));
    $("kpi-rate").textContent = S.rate().toFixed(S.rate() < 10 ? 1 : 0);
    $("kpi-alarms").textContent = String(S.alarms.count);
    $("kpi-drawn").textContent = String(L.drawn);
  }, 500);
  setInterval(health, 5000);
  setInterval(() => { L.dirty = true; }, 10000); // events age out of the time window

  CH.live = { take, fillGap }; // take: for the page benchmark (tests/browser/bench_map.py); fillGap: after a sign-in
  CH.ui.wire();
  P.wire(); CH.work.wire(); CH.replay.wire(); CH.charts.start();
  I.onChange(() => { setStatus($("status").dataset.state); P.renderFeed(); P.renderAlarms(); L.dirty = true; });
  health();
  // recent history first (so the ring stays in time order), but never wait long for it
  Promise.race([fillGap(true), new Promise((ok) => setTimeout(ok, 3000))]).then(connect);
})();

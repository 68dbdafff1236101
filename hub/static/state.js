// What the page knows: a bounded ring of recent events, incidents, alarms and the operator's filters.
(function () {
  const CH = (window.CH = window.CH || {});
  const CAPACITY = Number(new URLSearchParams(location.search).get("cap")) || 30000;
  const WINDOWS = { "5m": 300e3, "15m": 900e3, "1h": 3600e3, "6h": 21600e3, "24h": 86400e3, all: Infinity };

  // ---- events: a ring buffer; a slot is overwritten once the ring is full (bounded memory)
  const ring = new Array(CAPACITY);
  const bySlot = new Map(); // uid → slot
  let head = 0, size = 0, version = 0;
  const seenTypes = new Set(), seenTowns = new Map();

  function toMs(time) { const ms = Date.parse(time); return Number.isFinite(ms) ? ms : Date.now(); }

  function isAlarm(e) { return (e.severity || 0) >= 3 || (Array.isArray(e.alarms) && e.alarms.length > 0); }

  /** Add one event (live item shape); returns false for a repeat. */
  function add(e) {
    if (!e || !e.uid || bySlot.has(e.uid)) return false;
    e.ms = toMs(e.time);
    e.alarm = isAlarm(e);
    const old = ring[head];
    if (old) bySlot.delete(old.uid);
    ring[head] = e;
    bySlot.set(e.uid, head);
    head = (head + 1) % CAPACITY;
    size = Math.min(size + 1, CAPACITY);
    version += 1;
    if (e.type) seenTypes.add(e.type);
    if (e.town_code) seenTowns.set(e.town_code, e.town_name || e.town_code);
    if (e.alarm) alarms.add(e);
    return true;
  }

  /** Newest first; stop when fn returns false. */
  function eachNewest(fn) {
    for (let i = 0; i < size; i++) {
      const e = ring[(head - 1 - i + CAPACITY) % CAPACITY];
      if (fn(e) === false) return;
    }
  }

  /** A normalized event from the history API (GeoJSON feature) in the live item shape. */
  function fromFeature(feature) {
    const p = feature.properties || {}, hub = p.hub || {};
    const data = Object.assign({}, p.data || {});
    delete data.location;
    return {
      kind: "event", uid: hub.uid || feature.id, id: p.id, source: p.source, type: p.type,
      domain: String(p.type || "").split(".")[1] || "", time: p.time, lon: hub.lon, lat: hub.lat,
      grid_code: hub.grid_code, district_code: hub.district_code, district_name: hub.district_name,
      town_code: hub.town_code, town_name: hub.town_name, severity: hub.severity || 0,
      department: hub.department, address: hub.standard_address, alarms: hub.alarms || [], data,
    };
  }

  // ---- filters
  const filters = { domains: null, type: "", district: "", town: "", severity: 0, window: "1h" };
  let filterVersion = 0;
  function setFilter(key, value) { filters[key] = value; filterVersion += 1; }
  function matches(e, now, ignoreWindow) {
    if (filters.domains && !filters.domains.has(e.domain)) return false;
    if (filters.type && e.type !== filters.type) return false;
    if (filters.district && e.district_code !== filters.district) return false;
    if (filters.town && e.town_code !== filters.town) return false;
    if ((e.severity || 0) < filters.severity) return false;
    if (ignoreWindow) return true;
    const span = WINDOWS[filters.window] ?? Infinity;
    return span === Infinity || (now ?? Date.now()) - e.ms <= span;
  }
  function windowStart() {
    const span = WINDOWS[filters.window] ?? Infinity;
    return span === Infinity ? null : new Date(Date.now() - span);
  }

  // ---- alarms: pulse until acknowledged (acknowledgement kept for this browser session)
  const acked = new Set(JSON.parse(sessionStorage.getItem("cityhub.acked") || "[]"));
  const openAlarms = new Map();
  const alarms = {
    add(e) { if (!acked.has(e.uid)) { openAlarms.set(e.uid, e); trim(); } },
    ack(uid) { acked.add(uid); openAlarms.delete(uid); saveAcks(); },
    ackAll() { for (const uid of openAlarms.keys()) acked.add(uid); openAlarms.clear(); saveAcks(); },
    open: () => Array.from(openAlarms.values()),
    get count() { return openAlarms.size; },
  };
  function trim() { while (openAlarms.size > 500) openAlarms.delete(openAlarms.keys().next().value); }
  function saveAcks() {
    const list = Array.from(acked).slice(-2000);
    sessionStorage.setItem("cityhub.acked", JSON.stringify(list));
  }

  // ---- incidents (upserted by id from WS items of kind "incident" and from GET /api/incidents)
  const incidents = new Map();
  let incidentVersion = 0;
  function upsertIncident(item) {
    if (!item || item.id == null) return;
    const before = incidents.get(item.id) || {};
    const merged = Object.assign({}, before, item);
    // the steps an item allows belong to the state it came with: never keep them past a change of state
    if (item.state !== undefined && item.state !== before.state && !item.next_states) merged.next_states = [];
    if (merged.due_at && merged.overdue == null) merged.overdue = Date.parse(merged.due_at) < Date.now();
    incidents.set(item.id, merged);
    while (incidents.size > 5000) incidents.delete(incidents.keys().next().value);
    incidentVersion += 1;
  }

  // ---- live statistics: events per second and a 10 s trend over the last 15 minutes
  const trend = new Array(90).fill(0);
  let trendStart = Math.floor(Date.now() / 10000), received = 0;
  const recent = [];
  function count(n) {
    received += n;
    const bucket = Math.floor(Date.now() / 10000);
    if (bucket - trendStart > trend.length) { trend.fill(0); trendStart = bucket; }
    while (trendStart < bucket) { trend.shift(); trend.push(0); trendStart += 1; }
    trend[trend.length - 1] += n;
    recent.push([Date.now(), n]);
  }
  function rate() {
    const cut = Date.now() - 5000;
    while (recent.length && recent[0][0] < cut) recent.shift();
    return recent.reduce((s, r) => s + r[1], 0) / 5;
  }

  /** fetch() with the operator's (or viewer's) token when one is kept for this session. */
  CH.token = () => sessionStorage.getItem("cityhub.token") || "";
  CH.api = (url, options) => {
    const opts = Object.assign({}, options || {});
    const token = CH.token();
    if (token) opts.headers = Object.assign({ Authorization: `Bearer ${token}` }, opts.headers || {});
    return fetch(url, opts);
  };

  CH.state = {
    CAPACITY, WINDOWS, add, eachNewest, fromFeature, filters, setFilter, matches, windowStart, alarms,
    incidents, upsertIncident, isAlarm, count, rate, trend: () => trend.slice(), seenTypes, seenTowns,
    get size() { return size; }, get version() { return version; }, get filterVersion() { return filterVersion; },
    get incidentVersion() { return incidentVersion; }, get received() { return received; },
    get: (uid) => { const slot = bySlot.get(uid); return slot == null ? null : ring[slot]; },
    lastSeen: null,
  };
})();

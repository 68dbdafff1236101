// History and replay: load a past period from GET /api/events (paged) and play it back on the map.
(function () {
  const CH = window.CH, S = CH.state, I = CH.i18n;
  const $ = (id) => document.getElementById(id);
  const MAX = 60000, STEPS = 1000;
  // the trail behind the cursor: 15 minutes, or a 24th of a long period so a day's replay stays readable
  const trail = () => Math.max(15 * 60e3, (replay.until - replay.since) / 24);
  const replay = { active: false, playing: false, events: [], since: 0, until: 0, cursor: 0, speed: 60 };

  // datetime-local inputs are read and written as Beijing time, whatever the browser's zone
  const local = (ms) => new Date(ms + 8 * 3600e3).toISOString().slice(0, 16);
  const parse = (text) => Date.parse(`${text}:00+08:00`);

  async function load() {
    const since = parse($("r-since").value), until = parse($("r-until").value);
    if (!Number.isFinite(since) || !Number.isFinite(until) || until <= since) return;
    const status = $("r-status");
    const list = [];
    let url = `/api/events?since=${encodeURIComponent(new Date(since).toISOString())}`
      + `&until=${encodeURIComponent(new Date(until).toISOString())}&limit=5000`;
    try {
      while (url && list.length < MAX) {
        const r = await CH.api(url);
        if (!r.ok) throw new Error(`HTTP ${r.status}`);
        const doc = await r.json();
        for (const f of doc.features || []) {
          const e = S.fromFeature(f);
          if (e.lon == null) continue;
          e.ms = Date.parse(e.time); e.alarm = S.isAlarm(e);
          list.push(e);
        }
        status.textContent = I.t("r.loading", { n: list.length });
        const next = (doc.links || []).find((l) => l.rel === "next");
        url = next ? next.href.replace(/^https?:\/\/[^/]+/, "") : null;
      }
    } catch (err) { status.textContent = String(err); return; }
    list.sort((a, b) => a.ms - b.ms);
    // start where the period's events start, so playback does not open on an empty stretch
    const first = list.length ? Math.max(since, list[0].ms) : since;
    Object.assign(replay, { active: true, playing: false, events: list, since, until, cursor: first });
    status.textContent = I.t("r.loaded", { n: list.length });
    document.body.classList.add("replaying");
    $("r-slider").value = 0;
    sync(); // paused at the start of the period: Play runs it, the slider scrubs it
  }

  function lowerBound(ms) {
    let lo = 0, hi = replay.events.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (replay.events[mid].ms < ms) lo = mid + 1; else hi = mid; }
    return lo;
  }

  /** Newest first: the events of the trail that ends at the cursor. */
  function iterate(fn) {
    const hi = lowerBound(replay.cursor + 1), lo = lowerBound(replay.cursor - trail());
    for (let i = hi - 1; i >= lo; i--) if (fn(replay.events[i]) === false) return;
  }

  function sync() {
    $("r-time").textContent = CH.panels.when(replay.cursor);
    $("r-play").textContent = I.t(replay.playing ? "r.pause" : "r.play");
    $("r-slider").value = String(Math.round(((replay.cursor - replay.since) / (replay.until - replay.since || 1)) * STEPS));
    CH.layers.dirty = true;
  }

  function play(on) { replay.playing = on; sync(); }

  function tick(dtMs) {
    if (!replay.active || !replay.playing) return;
    replay.cursor = Math.min(replay.until, replay.cursor + dtMs * replay.speed);
    if (replay.cursor >= replay.until) replay.playing = false;
    sync();
  }

  function exit() {
    Object.assign(replay, { active: false, playing: false, events: [] });
    document.body.classList.remove("replaying");
    $("r-status").textContent = ""; $("r-time").textContent = "";
    CH.layers.dirty = true;
  }

  function wire() {
    const now = Date.now();
    $("r-since").value = local(now - 3600e3); $("r-until").value = local(now);
    $("r-load").addEventListener("click", load);
    $("r-play").addEventListener("click", () => { if (replay.active) play(!replay.playing); else load(); });
    $("r-exit").addEventListener("click", exit);
    $("r-speed").addEventListener("change", (ev) => { replay.speed = Number(ev.target.value); });
    $("r-slider").addEventListener("input", (ev) => {
      if (!replay.active) return;
      replay.cursor = replay.since + ((replay.until - replay.since) * Number(ev.target.value)) / STEPS;
      sync();
    });
    I.onChange(() => { if (replay.active) sync(); });
  }

  CH.replay = { wire, load, tick, iterate, exit, state: replay, get active() { return replay.active; }, get cursor() { return replay.cursor; } };
})();

// The live map: the pydeck-defined deck plus events arriving over WS /ws/live.
(function () {
  const MAX_EVENTS = 20000, MAX_FEED = 200;
  const deckInstance = createDeck({ container: document.getElementById("map"), jsonInput: window.CITYHUB_DECK, tooltip: true });
  const events = new Map();
  let total = 0, dirty = false;
  const feed = document.getElementById("feed"), count = document.getElementById("count"), status = document.getElementById("status");

  function redraw() {
    if (!dirty) return;
    dirty = false;
    const layers = deckInstance.props.layers.filter((l) => l.id !== "events");
    const data = Array.from(events.values());
    layers.push(new deck.ScatterplotLayer({
      id: "events", data, getPosition: (e) => [e.lon, e.lat], getRadius: 120, radiusMinPixels: 3,
      getFillColor: (e) => (e.severity >= 3 ? [255, 60, 60, 230] : [255, 170, 0, 220]), pickable: true,
    }));
    deckInstance.setProps({ layers });
    count.textContent = String(total);
    window.CITYHUB_RENDERED = data.length;
  }
  setInterval(redraw, 250);

  function add(items) {
    for (const e of items) {
      if (e.kind !== "event" || e.lon == null) continue;
      events.delete(e.uid);
      events.set(e.uid, e);
      if (events.size > MAX_EVENTS) events.delete(events.keys().next().value);
      total += 1;
      const li = document.createElement("li");
      li.textContent = `${e.time.slice(11, 19)} ${e.district_name || ""} ${e.type} ${e.address || e.grid_code || ""}`;
      li.dataset.uid = e.uid;
      feed.prepend(li);
      while (feed.childElementCount > MAX_FEED) feed.lastElementChild.remove();
    }
    dirty = true;
  }

  function connect() {
    const ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws/live`);
    ws.onopen = () => { status.dataset.state = "live"; status.textContent = "实时"; };
    ws.onmessage = (m) => { const msg = JSON.parse(m.data); if (msg.kind === "batch") add(msg.items); };
    ws.onclose = () => { status.dataset.state = "down"; status.textContent = "重连中…"; setTimeout(connect, 1000); };
  }
  connect();
})();

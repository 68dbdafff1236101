// What the operator reads: the live feed, the alarm list, the hover card and the event detail.
(function () {
  const CH = window.CH, S = CH.state, I = CH.i18n;
  const $ = (id) => document.getElementById(id);
  const esc = (v) => String(v ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  const clockFmt = new Intl.DateTimeFormat("zh-CN", { timeZone: "Asia/Shanghai", hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
  const dateFmt = new Intl.DateTimeFormat("zh-CN", { timeZone: "Asia/Shanghai", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hour12: false });
  const hhmmss = (ms) => clockFmt.format(new Date(ms));
  const when = (ms) => dateFmt.format(new Date(ms));
  const color = (d) => `rgb(${I.domainInfo(d).color.join(",")})`;
  const shortType = (type) => I.typeName(type);
  const place = (e) => e.address || [e.district_name, e.town_name].filter(Boolean).join(" ") || e.grid_code || "";

  function chip(e) {
    return `<i class="chip" style="--c:${color(e.domain)}">${esc(I.domainInfo(e.domain).glyph)}</i>`;
  }

  // ---- the live feed: the newest matching events, redrawn on the coalesced tick
  let feedPaused = 0, feedHtml = "";
  function renderFeed() {
    if (Date.now() - feedPaused < 8000) return; // the operator is pointing at a line: hold the list still a while
    const now = Date.now(), found = [];
    S.eachNewest((e) => { if (S.matches(e, now)) found.push(e); return found.length < 200; });
    const rows = found.sort((a, b) => b.ms - a.ms).slice(0, 60).map((e) => `<li data-uid="${esc(e.uid)}" class="sev${e.severity || 0}`
      + `${e.alarm ? " alarm" : ""}">${chip(e)}<time>${hhmmss(e.ms)}</time><b>${esc(I.domainName(e.domain))}·${esc(shortType(e.type))}</b>`
      + `<span>${esc(place(e))}</span></li>`);
    const html = rows.join("");
    if (html !== feedHtml) { $("feed").innerHTML = html; feedHtml = html; }
    $("feed-count").textContent = found.length >= 200 ? "200+" : String(found.length);
  }

  function renderAlarms() {
    const list = S.alarms.open().reverse().slice(0, 100);
    $("alarm-list").innerHTML = list.length ? list.map((e) => `<li data-uid="${esc(e.uid)}" class="sev${e.severity || 0}">`
      + `${chip(e)}<time>${hhmmss(e.ms)}</time><b>${esc(I.domainName(e.domain))}·${esc(shortType(e.type))}</b>`
      + `<span>${esc((e.alarms || []).join("、") || place(e))}</span>`
      + `<button class="ack" data-ack="${esc(e.uid)}">${esc(I.t("a.ack"))}</button></li>`).join("")
      : `<li class="empty">${esc(I.t("a.none"))}</li>`;
    $("alarm-count").textContent = String(S.alarms.count);
  }

  // ---- the event detail: normalized event, raw original (base64 → text) and its place
  const details = new Map();
  async function fetchDetail(uid) {
    if (details.has(uid)) return details.get(uid);
    const r = await CH.api(`/api/events/${encodeURIComponent(uid)}`);
    if (!r.ok) throw new Error(`HTTP ${r.status}`);
    const doc = await r.json();
    if (details.size > 200) details.delete(details.keys().next().value);
    details.set(uid, doc);
    return doc;
  }

  function decodeRaw(b64) {
    if (!b64) return "";
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    let text;
    try { text = new TextDecoder("utf-8", { fatal: true }).decode(bytes); } catch (err) {
      return Array.from(bytes.slice(0, 512), (b) => b.toString(16).padStart(2, "0")).join(" ");
    }
    try { return JSON.stringify(JSON.parse(text), null, 2); } catch (err) { return text; }
  }

  function placeRows(e, hub) {
    const h = hub || {};
    const rows = [
      [I.t("d.address"), h.standard_address || e.address], [I.t("d.grid"), h.grid_code || e.grid_code],
      [I.t("f.district"), I.districtName(h.district_code || e.district_code)],
      [I.t("f.town"), h.town_name || e.town_name], ["村居", h.community_name],
      ["WGS84", e.lon != null ? `${Number(e.lon).toFixed(6)}, ${Number(e.lat).toFixed(6)}` : ""],
      [I.t("d.dept"), h.department || e.department], [I.t("d.severity"), I.severityName(e.severity || 0)],
    ];
    return rows.filter((r) => r[1]).map((r) => `<tr><th>${esc(r[0])}</th><td>${esc(r[1])}</td></tr>`).join("");
  }

  async function showDetail(e) {
    const box = $("detail");
    box.hidden = false;
    box.dataset.uid = e.uid;
    box.querySelector(".body").innerHTML = `<h3>${chip(e)} ${esc(I.domainName(e.domain))} · ${esc(e.type)}</h3>`
      + `<p class="muted">${esc(when(e.ms))} · ${esc(e.source)}</p><table class="kv">${placeRows(e)}</table>`
      + `<p class="muted">${esc(I.t("d.loading"))}</p>`;
    document.body.classList.add("detail-open");
    try {
      const doc = await fetchDetail(e.uid);
      if (box.dataset.uid !== e.uid) return;
      const { raw, ...normalized } = doc;
      box.querySelector(".body").innerHTML = `<h3>${chip(e)} ${esc(I.domainName(e.domain))} · ${esc(e.type)}</h3>`
        + `<p class="muted">${esc(when(e.ms))} · ${esc(e.source)}</p>`
        + `<h4>${esc(I.t("d.place"))}</h4><table class="kv">${placeRows(e, normalized.hub)}</table>`
        + `<h4>${esc(I.t("d.normalized"))}</h4><pre class="normalized">${esc(JSON.stringify(normalized, null, 2))}</pre>`
        + `<h4>${esc(I.t("d.raw"))}</h4><pre class="raw">${esc(decodeRaw(raw))}</pre>`;
    } catch (err) {
      // a preview (shown by the hub's fresh view behind a backlog) is answered once the store gets to it
      const pending = e.preview && String(err).includes("404");
      box.querySelector(".body").lastElementChild.textContent = pending ? I.t("d.pending") : String(err);
    }
  }

  function hideDetail() { $("detail").hidden = true; document.body.classList.remove("detail-open"); }

  // ---- the hover card
  let hoverTimer = null;
  function tooltip(info) {
    const tip = $("tip"), hit = CH.layers.pick(info);
    clearTimeout(hoverTimer);
    if (!hit) { tip.hidden = true; return; }
    tip.innerHTML = hoverHtml(hit);
    tip.hidden = false;
    const wrap = $("map").getBoundingClientRect();
    tip.style.left = `${Math.min(info.x + 14, wrap.width - tip.offsetWidth - 8)}px`;
    tip.style.top = `${Math.min(info.y + 14, wrap.height - tip.offsetHeight - 8)}px`;
    if (hit.kind === "event") {
      hoverTimer = setTimeout(() => fetchDetail(hit.item.uid).then((doc) => {
        if (!tip.hidden) tip.querySelector(".raw").textContent = decodeRaw(doc.raw).slice(0, 400);
      }).catch(() => {}), 250);
    }
  }

  function hoverHtml(hit) {
    const x = hit.item;
    if (hit.kind === "event") {
      const data = Object.entries(x.data || {}).slice(0, 5).map(([k, v]) => `${esc(k)}: ${esc(typeof v === "object" ? JSON.stringify(v) : v)}`);
      const cached = details.get(x.uid);
      return `<b>${chip(x)} ${esc(I.domainName(x.domain))} · ${esc(x.type)}</b><div>${esc(when(x.ms))} · ${esc(I.severityName(x.severity || 0))}</div>`
        + `<div>${esc(x.address || "")}</div><div>${esc(I.t("d.grid"))} ${esc(x.grid_code || "—")} · ${esc(x.district_name || "")} ${esc(x.town_name || "")}</div>`
        + `<div class="muted">${data.join(" · ")}</div><pre class="raw">${esc(cached ? decodeRaw(cached.raw).slice(0, 400) : "")}</pre>`;
    }
    if (hit.kind === "incident") {
      return `<b>${esc(x.title || x.type || x.id)}</b><div>${esc(I.stateName(x.state))} · ${esc(x.department || "")}</div>`
        + `<div>${esc(x.grid_code || "")} ${x.overdue ? `<em class="overdue">${esc(I.t("i.overdue"))}</em>` : ""}</div>`;
    }
    if (hit.kind === "device") {
      return `<b>${esc(x.device_id)}</b> ${esc(x.kind || "")}<div>${esc(x.address || "")}</div><div>${esc(x.department || "")}</div>`;
    }
    return `<b>${esc(x.name || x.grid_code || x.code || "")}</b><div>${esc(x.code || x.grid_code || "")}</div>`;
  }

  function click(info) {
    const hit = CH.layers.pick(info);
    if (!hit) return;
    if (hit.kind === "event") showDetail(hit.item);
    if (hit.kind === "incident") CH.work && CH.work.focusIncident(hit.item.id);
  }

  function wire() {
    $("feed").addEventListener("mouseenter", () => { feedPaused = Date.now(); });
    $("feed").addEventListener("mouseleave", () => { feedPaused = 0; renderFeed(); });
    $("feed").addEventListener("click", (ev) => {
      const li = ev.target.closest("li[data-uid]");
      const e = li && S.get(li.dataset.uid);
      if (e) { showDetail(e); CH.flyTo && CH.flyTo(e.lon, e.lat, 14); }
    });
    $("alarm-list").addEventListener("click", (ev) => {
      const ack = ev.target.closest("[data-ack]");
      if (ack) { S.alarms.ack(ack.dataset.ack); renderAlarms(); CH.layers.dirty = true; return; }
      const li = ev.target.closest("li[data-uid]");
      const e = li && S.get(li.dataset.uid);
      if (e) { showDetail(e); CH.flyTo && CH.flyTo(e.lon, e.lat, 14); }
    });
    $("ack-all").addEventListener("click", () => { S.alarms.ackAll(); renderAlarms(); CH.layers.dirty = true; });
    $("detail-close").addEventListener("click", hideDetail);
  }

  CH.panels = { renderFeed, renderAlarms, showDetail, hideDetail, tooltip, click, wire, esc, hhmmss, when, chip };
})();

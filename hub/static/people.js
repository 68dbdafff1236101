// People and tiers on the page: the sign-in screen, the signed-in user's area on the map, the work queue
// (the mobile end of departments and inspectors) and the shared alarm desk. Who the user is, their area,
// their queue's states and the steps they may take all come from the server (/api/auth/me, /api/work).
(function () {
  const CH = window.CH, S = CH.state, I = CH.i18n, P = CH.panels;
  const $ = (id) => document.getElementById(id);
  const esc = P.esc;
  const QUEUES = ["todo", "doing", "overdue", "done"];
  const MOBILE_QUEUE_ROLES = new Set(["department", "inspector"]);
  const T = {
    zh: { signin: "登录", signout: "退出", user: "用户名", password: "密码", go: "登录", failed: "登录失败",
      sub: "请使用分配给您的账号登录", token: "使用服务令牌", work: "我的工作", todo: "待办", doing: "在办", overdue: "超期", done: "已办",
      empty: "暂无案件", due: "剩余", late: "已超时", nodue: "无时限", map: "定位", note: "处置意见（可选）",
      refused: "不允许", acked: "已确认", by: "确认人" },
    en: { signin: "Sign in", signout: "Sign out", user: "User name", password: "Password", go: "Sign in",
      failed: "Sign-in failed", sub: "Sign in with the account you were given", token: "Use a service token", work: "My work", todo: "To do",
      doing: "In progress", overdue: "Overdue", done: "Done", empty: "No cases", due: "left", late: "overdue by",
      nodue: "no deadline", map: "Locate", note: "Note (optional)", refused: "Refused", acked: "Acknowledged", by: "by" },
  };
  const t = (k) => (T[I.lang] || T.zh)[k] || T.zh[k] || k;
  const people = { me: null, queue: "todo", items: [] };

  // ---- the page's additions: a user chip in the header, the sign-in screen, the work tab and its panel
  document.head.insertAdjacentHTML("beforeend", `<style>
    #signin { position: fixed; inset: 0; z-index: 50; display: grid; place-items: center; background: rgba(2, 8, 16, .88); }
    #signin form { width: min(22rem, 92vw); display: grid; gap: .6rem; padding: 1.4rem; background: var(--panel);
      border: 1px solid var(--line2); border-radius: 8px; }
    #signin label { display: grid; gap: .2rem; font-size: .85rem; } #signin .err { color: var(--bad); min-height: 1em; }
    #who { color: #bcd7ea; font-size: .8rem; } .work-q { display: flex; gap: .3rem; margin-bottom: .4rem; }
    .work-q button.on { border-color: var(--accent); color: var(--accent); }
    .countdown { font-variant-numeric: tabular-nums; color: var(--good); } .countdown.late { color: var(--bad); }
  </style>`);
  document.querySelector("#top .tools").insertAdjacentHTML("afterbegin",
    '<span id="who"></span><button id="signin-open" type="button" class="link"></button>');
  document.body.insertAdjacentHTML("beforeend", `<div id="signin" hidden><form id="signin-form" autocomplete="on">
    <h2 data-i18n="title"></h2><p class="muted" data-p="sub"></p>
    <label><span data-p="user"></span><input id="signin-user" name="username" autocomplete="username" required></label>
    <label><span data-p="password"></span><input id="signin-pass" name="password" type="password"
      autocomplete="current-password" required></label>
    <button id="signin-go" type="submit" data-p="go"></button><p id="signin-msg" class="err"></p>
    <button id="signin-close" type="button" class="link" data-p="token"></button></form></div>`);
  $("tabs").insertAdjacentHTML("afterbegin",
    '<button type="button" data-tab="work" id="work-tab" hidden><span data-p="work"></span> <b id="work-count">0</b></button>');
  $("tabs").insertAdjacentHTML("afterend", `<section class="panel" data-group="work"><h2 data-p="work"></h2>
    <div class="work-q">${QUEUES.map((q) => `<button type="button" data-queue="${q}" data-p="${q}"></button>`).join("")}</div>
    <input id="work-note" type="text"><p id="work-msg" class="muted"></p><ol id="work-list" class="list"></ol></section>`);

  function texts() {
    document.querySelectorAll("[data-p]").forEach((el) => { el.textContent = t(el.dataset.p); });
    $("work-note").placeholder = t("note");
    renderWho();
  }

  function renderWho() {
    const me = people.me && people.me.user;
    const signedIn = me && me.kind === "user";
    $("signin-open").hidden = !signedIn && !(people.me && people.me.signin);
    $("who").textContent = signedIn ? `${me.name} · ${me.role_name}` : "";
    $("signin-open").textContent = signedIn ? t("signout") : t("signin");
  }

  // ---- sign-in and sign-out: the token is kept for this browser session; the live stream reconnects with it
  // and the recent history is read again (now the user's area); signing out starts the page afresh
  async function signIn(ev) {
    ev.preventDefault();
    const body = new URLSearchParams({ username: $("signin-user").value.trim(), password: $("signin-pass").value });
    const r = await fetch("/api/auth/token", { method: "POST", body });
    const doc = await r.json().catch(() => ({}));
    if (!r.ok) { $("signin-msg").textContent = `${t("failed")}: ${doc.detail || r.status}`; return; }
    sessionStorage.setItem("cityhub.token", doc.access_token);
    $("signin").hidden = true;
    $("signin-pass").value = "";
    const ws = window.CITYHUB && window.CITYHUB.ws;
    if (ws && ws.readyState <= 1) ws.close(); // the next attempt carries the token
    if (CH.live && CH.live.fillGap) CH.live.fillGap(true);
    whoAmI();
  }

  async function signOut() {
    await CH.api("/api/auth/logout", { method: "POST" }).catch(() => null);
    sessionStorage.removeItem("cityhub.token");
    location.reload();
  }

  async function whoAmI() {
    const r = await CH.api("/api/auth/me").catch(() => null);
    if (!r) return;
    if (!r.ok) return;
    people.me = await r.json();
    renderWho();
    const me = people.me.user;
    if (!me) { // not signed in: the sign-in screen where users exist, else the service-token field stays the way in
      if (people.me.signin) { $("signin").hidden = false; $("signin-user").focus(); }
      return;
    }
    if (me.kind !== "user") return;
    showArea(me.area || {});
    $("work-tab").hidden = false;
    if (document.body.dataset.layout === "mobile" && MOBILE_QUEUE_ROLES.has(me.role)) CH.ui.showTab("work");
    loadWork();
    loadAcks();
  }

  // ---- the user's area on the map: the district (or town) filter fixed, the view fitted to it
  function areaFeature(layerId, code) {
    const layer = ((window.CITYHUB_DECK || {}).layers || []).find((l) => l.id === layerId);
    const features = (layer && layer.data && layer.data.features) || [];
    return features.find((f) => String((f.properties || {}).code) === code);
  }

  function fitTo(feature) {
    const box = [Infinity, Infinity, -Infinity, -Infinity];
    const walk = (c) => { if (typeof c[0] === "number") { box[0] = Math.min(box[0], c[0]); box[1] = Math.min(box[1], c[1]);
      box[2] = Math.max(box[2], c[0]); box[3] = Math.max(box[3], c[1]); } else c.forEach(walk); };
    walk(feature.geometry.coordinates);
    const el = $("map");
    const vp = new deck.WebMercatorViewport({ width: el.clientWidth || 800, height: el.clientHeight || 600 })
      .fitBounds([[box[0], box[1]], [box[2], box[3]]], { padding: 20 });
    const view = { longitude: vp.longitude, latitude: vp.latitude, zoom: vp.zoom, pitch: 0, bearing: 0 };
    CH.deck.setProps({ initialViewState: view });
    CH.view = view;
    people.fitted = view;
  }

  function showArea(area) {
    if (area.district) { S.setFilter("district", area.district); $("f-district").value = area.district; $("f-district").disabled = true; }
    if (area.town) { S.setFilter("town", area.town); $("f-town").disabled = true; }
    CH.layers.dirty = true;
    const feature = (area.town && areaFeature("towns", area.town)) || (area.district && areaFeature("districts", area.district));
    if (feature) requestAnimationFrame(() => requestAnimationFrame(() => fitTo(feature)));
  }

  // ---- the work queue: the user's cases with a countdown to each deadline and the steps their role may take
  async function loadWork() {
    const r = await CH.api(`/api/work?state=${people.queue}`).catch(() => null);
    if (!r || !r.ok) return;
    const doc = await r.json();
    people.items = doc.items || [];
    if (people.queue === "todo") $("work-count").textContent = String(people.items.length);
    renderWork();
  }

  function left(item) {
    if (!item.due_at) return ["", t("nodue")];
    const s = Math.round((Date.parse(item.due_at) - Date.now()) / 1000), a = Math.abs(s);
    const hms = `${Math.floor(a / 3600)}:${String(Math.floor(a / 60) % 60).padStart(2, "0")}:${String(a % 60).padStart(2, "0")}`;
    return s >= 0 ? ["", `${t("due")} ${hms}`] : ["late", `${t("late")} ${hms}`];
  }

  function renderWork() {
    document.querySelectorAll("[data-queue]").forEach((b) => b.classList.toggle("on", b.dataset.queue === people.queue));
    $("work-list").innerHTML = people.items.length ? people.items.map((i) => {
      const [cls, text] = left(i);
      return `<li data-case="${esc(i.id)}"><div class="row"><b>${esc(i.title || i.type)}</b>`
        + `<span class="state">${esc(I.stateName(i.state))}</span></div>`
        + `<div class="muted">${esc(I.districtName(i.district_code))} · ${esc(i.department || "")}`
        + ` · <span class="countdown ${cls}" data-due="${esc(i.due_at || "")}">${esc(text)}</span></div>`
        + `<div class="actions"><button data-locate="1">${esc(t("map"))}</button>`
        + `${(i.next_states || []).map((to) => `<button data-step="${esc(to)}">${esc(I.t(`act.${to}`))}</button>`).join("")}</div></li>`;
    }).join("") : `<li class="empty">${esc(t("empty"))}</li>`;
  }

  function tick() {
    document.querySelectorAll("#work-list .countdown[data-due]").forEach((el) => {
      if (!el.dataset.due) return;
      const [cls, text] = left({ due_at: el.dataset.due });
      el.textContent = text;
      el.classList.toggle("late", cls === "late");
    });
  }

  async function takeStep(id, to) {
    const r = await CH.api(`/api/incidents/${encodeURIComponent(id)}/transitions`, { method: "POST",
      headers: { "Content-Type": "application/json" }, body: JSON.stringify({ to, note: $("work-note").value || "" }) });
    const doc = await r.json().catch(() => ({}));
    const detail = doc.detail && typeof doc.detail === "object" ? doc.detail.reason : doc.detail;
    $("work-msg").textContent = r.ok ? `${I.t("i.done")}: ${id} → ${I.stateName(to)}` : `${t("refused")}: ${detail || r.status}`;
    if (r.ok) { $("work-note").value = ""; S.upsertIncident(doc); CH.layers.dirty = true; }
    loadWork();
  }

  // ---- the shared alarm desk: an acknowledgement is sent to the hub, and others' arrive on the live stream
  const localAck = S.alarms.ack.bind(S.alarms), localAckAll = S.alarms.ackAll.bind(S.alarms);
  function send(uid) {
    CH.api(`/api/alarms/${encodeURIComponent(uid)}/ack`, { method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ note: "" }) }).catch(() => null);
  }
  S.alarms.ack = (uid) => { localAck(uid); send(uid); };
  S.alarms.ackAll = () => { S.alarms.open().forEach((e) => send(e.uid)); localAckAll(); };

  async function loadAcks() {
    const r = await CH.api("/api/alarms?limit=2000").catch(() => null);
    if (!r || !r.ok) return;
    ((await r.json()).acks || []).forEach((a) => localAck(a.uid));
    CH.layers.dirty = true;
  }

  /** A live item the other panels do not know: an acknowledgement made on another screen. */
  function take(item) {
    if (item.kind !== "ack" || !item.uid) return;
    localAck(item.uid);
    people.lastAck = item;
    CH.layers.dirty = true;
    P.renderAlarms();
  }

  function wire() {
    $("signin-form").addEventListener("submit", signIn);
    $("signin-close").addEventListener("click", () => { $("signin").hidden = true; CH.ui.showTab("incidents"); });
    $("signin-open").addEventListener("click", () => {
      if (people.me && people.me.user && people.me.user.kind === "user") signOut(); else { $("signin").hidden = false; $("signin-user").focus(); }
    });
    document.querySelector(".work-q").addEventListener("click", (ev) => {
      const b = ev.target.closest("[data-queue]");
      if (b) { people.queue = b.dataset.queue; loadWork(); }
    });
    $("work-list").addEventListener("click", (ev) => {
      const li = ev.target.closest("[data-case]");
      const item = li && people.items.find((i) => String(i.id) === li.dataset.case);
      if (!item) return;
      const step = ev.target.closest("[data-step]");
      if (step) takeStep(item.id, step.dataset.step);
      else if (ev.target.closest("[data-locate]") && item.lon != null) CH.flyTo(item.lon, item.lat, 15);
    });
    texts();
    I.onChange(() => { texts(); renderWork(); });
    setInterval(tick, 1000);
    setInterval(() => { if (people.me && people.me.user && people.me.user.kind === "user") loadWork(); }, 20000);
    whoAmI();
  }

  CH.people = Object.assign(people, { wire, take, loadWork });
  wire();
})();

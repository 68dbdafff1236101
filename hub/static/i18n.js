// Interface text: Chinese by default, English on the switch (kept in localStorage).
(function () {
  const CH = (window.CH = window.CH || {});
  const META = window.CITYHUB_META || { districts: {}, towns: {}, domains: {}, other: {}, severities: [] };
  CH.META = META;

  const TEXT = {
    zh: {
      title: "江门市城市运行一网统管", subtitle: "一屏统览 · 一网统管 · 智慧江门", brand: "江门一网统管",
      "kpi.total": "接入事件", "kpi.rate": "事件/秒", "kpi.alarms": "未确认告警", "kpi.open": "在办案件", "kpi.overdue": "超期",
      "status.connecting": "连接中…", "status.live": "实时", "status.down": "重连中…", "status.replay": "回放中", "status.token": "需要令牌",
      "search.ph": "搜索地址，如 蓬江区建设路…", "search.go": "定位", "search.none": "未找到该地址",
      "search.unavailable": "地址库暂不可用",
      "filters": "筛选", "f.domain": "领域", "f.type": "类型", "f.district": "区县", "f.town": "镇街", "f.severity": "级别",
      "f.time": "时段", "f.all": "全部", "f.sevmin": "≥", "f.reset": "重置",
      "t.5m": "近5分钟", "t.15m": "近15分钟", "t.1h": "近1小时", "t.6h": "近6小时", "t.24h": "近24小时", "t.all": "全部",
      layers: "图层", "l.heat": "网格热力", "l.events": "事件", "l.icons": "事件图标", "l.incidents": "案件",
      "l.alarms": "告警", "l.devices": "设备档案(一机一档)", "l.towns": "镇街", "l.communities": "村居", "l.cells": "单元网格",
      replay: "历史回放", "r.since": "自", "r.until": "至", "r.load": "载入", "r.play": "播放", "r.pause": "暂停",
      "r.exit": "返回实时", "r.loaded": "已载入 {n} 条", "r.loading": "载入中… {n}", "r.speed": "倍速",
      feed: "实时事件", alarms: "告警", incidents: "案件", analysis: "分析", map: "地图", detail: "事件详情",
      "a.ack": "确认", "a.ackall": "全部确认", "a.none": "暂无未确认告警",
      "i.token": "令牌（操作员/查看）", "i.save": "保存", "i.none": "暂无案件", "i.unavailable": "案件服务暂不可用",
      "i.due": "时限", "i.overdue": "已超期", "i.note": "处置意见（可选）", "i.needtoken": "请先输入操作员令牌",
      "i.done": "已提交", "i.failed": "操作失败", "i.choose": "改派…",
      "d.place": "位置", "d.address": "标准地址", "d.grid": "网格编码", "d.dept": "责任部门", "d.normalized": "标准化事件",
      "d.raw": "原始报文", "d.close": "关闭", "d.loading": "加载中…", "d.severity": "级别", "d.source": "来源",
      "d.pending": "该事件尚在入库队列中（中枢正在处理积压），入库后可查看详情",
      "c.district": "各区县事件量", "c.domain": "领域构成", "c.type": "事件类型 Top", "c.hour": "24小时分布",
      "c.trend": "实时趋势（每10秒）", "c.cells": "高发网格 Top10", "c.town": "镇街事件量 Top", "c.dept": "责任部门工作量",
      "c.severity": "事件级别", "c.openDept": "在办案件·按部门", "c.overdue": "超期案件·按部门", "c.state": "案件状态",
      "c.empty": "暂无数据", dropped: "已丢弃", devices: "设备", lang: "EN", health: "监测预警",
    },
    en: {
      title: "Jiangmen Unified City Operations", subtitle: "One screen · one network", brand: "Jiangmen CityHub",
      "kpi.total": "events in", "kpi.rate": "events/s", "kpi.alarms": "open alarms", "kpi.open": "open cases", "kpi.overdue": "overdue",
      "status.connecting": "connecting…", "status.live": "live", "status.down": "reconnecting…", "status.replay": "replay", "status.token": "token required",
      "search.ph": "Search an address…", "search.go": "Go", "search.none": "address not found",
      "search.unavailable": "address library unavailable",
      filters: "Filters", "f.domain": "Domain", "f.type": "Type", "f.district": "District", "f.town": "Town", "f.severity": "Severity",
      "f.time": "Period", "f.all": "All", "f.sevmin": "≥", "f.reset": "Reset",
      "t.5m": "last 5 min", "t.15m": "last 15 min", "t.1h": "last hour", "t.6h": "last 6 h", "t.24h": "last 24 h", "t.all": "all",
      layers: "Layers", "l.heat": "grid heat", "l.events": "events", "l.icons": "event icons", "l.incidents": "incidents",
      "l.alarms": "alarms", "l.devices": "device registry", "l.towns": "towns", "l.communities": "communities", "l.cells": "unit grid",
      replay: "History replay", "r.since": "from", "r.until": "to", "r.load": "Load", "r.play": "Play", "r.pause": "Pause",
      "r.exit": "Back to live", "r.loaded": "{n} loaded", "r.loading": "loading… {n}", "r.speed": "speed",
      feed: "Live", alarms: "Alarms", incidents: "Cases", analysis: "Analysis", map: "Map", detail: "Event detail",
      "a.ack": "Ack", "a.ackall": "Ack all", "a.none": "no open alarms",
      "i.token": "token (operator/viewer)", "i.save": "Save", "i.none": "no incidents", "i.unavailable": "incident service unavailable",
      "i.due": "due", "i.overdue": "overdue", "i.note": "note (optional)", "i.needtoken": "enter the operator token first",
      "i.done": "done", "i.failed": "failed", "i.choose": "another department…",
      "d.place": "Place", "d.address": "standard address", "d.grid": "grid code", "d.dept": "department",
      "d.normalized": "normalized event", "d.raw": "raw original", "d.close": "Close", "d.loading": "loading…",
      "d.severity": "severity", "d.source": "source",
      "d.pending": "not stored yet: the hub is working through a backlog; the details answer once it is stored",
      "c.district": "Events by district", "c.domain": "By domain", "c.type": "Top event types", "c.hour": "By hour (24 h)",
      "c.trend": "Live trend (per 10 s)", "c.cells": "Top recurring cells", "c.town": "Top towns", "c.dept": "By department",
      "c.severity": "By severity", "c.openDept": "Open cases by department", "c.overdue": "Overdue by department",
      "c.state": "Cases by state", "c.empty": "no data", dropped: "dropped", devices: "devices", lang: "中文", health: "Health",
    },
  };

  let lang = localStorage.getItem("cityhub.lang") === "en" ? "en" : "zh";
  const listeners = [];

  function t(key, vars) {
    let text = TEXT[lang][key] ?? TEXT.zh[key] ?? key;
    if (vars) for (const [k, v] of Object.entries(vars)) text = text.replace(`{${k}}`, v);
    return text;
  }

  function apply(root) {
    document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
    (root || document).querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t(el.dataset.i18n); });
    (root || document).querySelectorAll("[data-i18n-ph]").forEach((el) => { el.placeholder = t(el.dataset.i18nPh); });
    (root || document).querySelectorAll("[data-i18n-title]").forEach((el) => { el.title = t(el.dataset.i18nTitle); });
  }

  function setLang(next) {
    lang = next;
    localStorage.setItem("cityhub.lang", lang);
    apply();
    listeners.forEach((fn) => fn(lang));
  }

  const domainInfo = (d) => META.domains[d] || META.other;
  CH.i18n = {
    t, apply, setLang, onChange: (fn) => listeners.push(fn),
    get lang() { return lang; },
    domainName: (d) => { const info = META.domains[d]; return info ? info[lang] : d || domainInfo(d)[lang]; },
    domainInfo,
    districtName: (code) => (lang === "en" && (META.districts_en || {})[code]) || META.districts[code] || code || "—",
    townName: (code) => (META.towns[code] && META.towns[code].name) || code || "—",
    severityName: (s) => { const row = META.severities[s] || []; return row[lang === "zh" ? 0 : 1] || String(s); },
    // states and steps are named by the server's flow (META.flow, from hub/incidents/flow.py and views.py)
    stateName: (s) => { const n = ((META.flow || {}).names || {})[s]; return (n && (n[lang] || n.zh)) || s; },
    stepName: (from, to) => {
      const n = (((META.flow || {}).steps || {})[from] || {})[to];
      return (n && (n[lang] || n.zh)) || CH.i18n.stateName(to);
    },
    typeName: (type) => (lang === "zh" && (META.types || {})[type]) || String(type || "").split(".").slice(2).join(".") || type,
  };
})();

"""How the live map copes with a flood of events: `python -m tests.browser.bench_map [--rates 1000,3000,5000]`.

A real hub (no broker: the events are handed straight to the page's stream handler, in 100 ms batches as
WS /ws/live sends them) and the wall layout in headless Chromium. For each rate it reports the JavaScript
time spent taking events in and composing layers, the longest main-thread task, the JS heap and how
many events the bounded ring holds. Prints one JSON object per rate. Software WebGL (SwiftShader) makes
the frames themselves slow here; the numbers that matter are the page's own work and its bounded memory.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from hub.settings import Settings
from tests.browser.conftest import CHROMIUM, FLAGS
from tests.support import running_hub

FLOOD = """async ([rate, seconds]) => {
  const domains = Object.keys(CH.META.domains), codes = Object.keys(CH.META.towns);
  const take = CH.live.take, compose = CH.layers.compose;
  let takeMs = 0, composeMs = 0, composes = 0, longest = 0, n = 0;
  CH.layers.compose = (...a) => { const t = performance.now(); const r = compose(...a);
    composeMs += performance.now() - t; composes += 1; return r; };
  const seen = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) longest = Math.max(longest, e.duration);
  });
  seen.observe({ type: "longtask" });
  let renderMs = 0, renders = 0, began = 0;
  deckInstance.setProps({ onBeforeRender: () => { began = performance.now(); },
    onAfterRender: () => { renderMs += performance.now() - began; renders += 1; } });
  const start = performance.now();
  while (performance.now() - start < seconds * 1000) {
    // what the stream would have delivered by now (a starved timer catches up, as the hub's batches do)
    const due = Math.round(((performance.now() - start) / 1000) * rate), items = [];
    for (; n < due; n++) {
      const town = codes[n % codes.length];
      items.push({ kind: "event", uid: `bench-${n}`, id: `b${n}`, source: "/jiangmen/bench/x/1",
        type: `city.${domains[n % domains.length]}.bench`, domain: domains[n % domains.length],
        time: new Date().toISOString(), lon: 112.3 + Math.random() * 0.8, lat: 21.9 + Math.random() * 0.7,
        grid_code: `${town}${String(n % 999).padStart(6, "0")}`, district_code: town.slice(0, 6), town_code: town,
        severity: n % 97 === 0 ? 3 : n % 5, alarms: [], data: { value: n } });
    }
    const t = performance.now(); take(items, 0); takeMs += performance.now() - t;
    await new Promise((ok) => setTimeout(ok, 100));
  }
  await new Promise((ok) => setTimeout(ok, 600));
  CH.layers.compose = compose; seen.disconnect();
  deckInstance.setProps({ onBeforeRender: null, onAfterRender: null });
  const heap = performance.memory ? performance.memory.usedJSHeapSize / 1048576 : null;
  return { rate, seconds, offered: n, take_ms_per_s: takeMs / seconds,
    compose_ms_avg: composeMs / Math.max(1, composes), composes, deck_render_ms_avg: renderMs / Math.max(1, renders),
    renders, longest_task_ms: longest,
    ring: CH.state.size, ring_capacity: CH.state.CAPACITY,
    drawn: window.CITYHUB_RENDERED, heap_mb: heap };
}"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", default="1000,3000,5000")
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as data, running_hub(Settings(data_dir=Path(data))) as hub, \
            sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM),
                                             args=[*FLAGS, "--enable-precise-memory-info"])
        page = browser.new_page(viewport={"width": 1920, "height": 1080})
        page.goto(hub.url + "/?layout=wall")
        page.wait_for_function("window.CITYHUB && CITYHUB.connected", timeout=120_000, polling=250)
        time.sleep(2)
        for rate in (int(r) for r in args.rates.split(",")):
            result = page.evaluate(FLOOD, [rate, args.seconds])
            print(json.dumps({k: round(v, 1) if isinstance(v, float) else v for k, v in result.items()}))
        browser.close()


if __name__ == "__main__":
    main()

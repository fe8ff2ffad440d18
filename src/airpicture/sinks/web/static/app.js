// airpicture operator console. Everything comes from this server: map library, basemap, data.
// Text from the air (callsigns, Remote ID serials, operator ids, alert messages) is hostile: it is
// only ever put in the page with textContent or drawn on a canvas, never parsed as HTML.
// Tracks, trails and labels are drawn on a 2-D canvas over the map, so MapLibre needs no glyph
// server at all (text is canvas text) and 2,000 moving tracks cost no GeoJSON re-tiling.
import * as maplibregl from "/static/vendor/maplibre-gl.mjs";

const CLASS_NAMES = ["unknown", "aircraft", "drone", "bird"];
const CLASS_COLOURS = ["#ffd54f", "#4fc3f7", "#ff5252", "#9ccc65"];
const SPOOF = "#e040fb";
const TRAIL_POINTS = 20;
const LEADER_S = 60; // speed leader length: where the track will be in this many seconds
const MAX_LABELS = 600;
const M_TO_FT = 3.28084, MPS_TO_KT = 1.943844;

const $ = (id) => document.getElementById(id);
const tracks = new Map();      // id -> row object (see live.py COLUMNS)
const trails = new Map();      // id -> [[lon, lat], ...]
const alerts = new Map();      // alert id -> alert
let sensors = [], zones = [], classes = CLASS_NAMES, replay = null, pictureTime = null;
let centred = false, selected = null, filterText = "", ws = null, dirty = false, detail = null, detailAt = 0;
const stats = { messages: 0, snapshots: 0, deltas: 0, seq: 0 };

// ---------- map ----------
const map = new maplibregl.Map({
  container: "map",
  style: {
    version: 8,
    sources: {
      basemap: { type: "geojson", data: new URL("/static/basemap/countries-50m.geojson", location.href).href },
    },
    layers: [
      { id: "sea", type: "background", paint: { "background-color": "#08141d" } },
      { id: "land", type: "fill", source: "basemap", paint: { "fill-color": "#131d24" } },
      { id: "borders", type: "line", source: "basemap", paint: { "line-color": "#2f4654", "line-width": 0.8 } },
    ],
  },
  center: [2.35, 48.86],
  maxPitch: 0,
  fadeDuration: 0, // symbols appear at once: no fade animation repainting after every update
  zoom: 8,
  attributionControl: { compact: true, customAttribution: "Natural Earth (public domain) | MapLibre" },
});
map.addControl(new maplibregl.NavigationControl({ showCompass: true }), "top-right");
map.addControl(new maplibregl.ScaleControl({ unit: "metric" }), "bottom-right");

const empty = () => ({ type: "FeatureCollection", features: [] });

map.on("load", () => {
  for (const id of ["zones", "coverage", "sensors"]) map.addSource(id, { type: "geojson", data: empty() });
  map.addLayer({ id: "coverage", type: "line", source: "coverage",
    paint: { "line-color": "#3b5566", "line-width": 1, "line-dasharray": [4, 4] } });
  map.addLayer({ id: "zones-fill", type: "fill", source: "zones", paint: { "fill-color": "#ff5252", "fill-opacity": 0.12 } });
  map.addLayer({ id: "zones-line", type: "line", source: "zones", paint: { "line-color": "#ff5252", "line-width": 1.5 } });
  map.addLayer({ id: "sensors", type: "circle", source: "sensors",
    paint: { "circle-radius": 5, "circle-color": "#08141d", "circle-stroke-color": "#b0bec5", "circle-stroke-width": 2 } });
  map.on("click", (e) => { const id = hit(e.point.x, e.point.y); if (id !== null) select(id); });
  map.on("mousemove", (e) => { map.getCanvas().style.cursor = hit(e.point.x, e.point.y) === null ? "" : "pointer"; });
  map.on("render", drawOverlay);
  drawStatic();
  dirty = true;
  connect();
});

// ---------- geometry ----------
function circle(lon, lat, r, n = 72) {
  // A small-circle ring of radius r metres (spherical earth; plenty for a map outline).
  const R = 6371008.8, d = r / R, la = lat * Math.PI / 180, lo = lon * Math.PI / 180, pts = [];
  for (let i = 0; i <= n; i++) {
    const b = 2 * Math.PI * i / n;
    const la2 = Math.asin(Math.sin(la) * Math.cos(d) + Math.cos(la) * Math.sin(d) * Math.cos(b));
    const lo2 = lo + Math.atan2(Math.sin(b) * Math.sin(d) * Math.cos(la), Math.cos(d) - Math.sin(la) * Math.sin(la2));
    pts.push([lo2 * 180 / Math.PI, la2 * 180 / Math.PI]);
  }
  return pts;
}

function drawStatic() {
  if (!map.isStyleLoaded() && !map.getSource("zones")) return;
  const zf = zones.map((z) => ({ type: "Feature", properties: { name: z.name },
    geometry: { type: "Polygon", coordinates: [z.kind === "polygon" && z.polygon.length >= 3
      ? [...z.polygon, z.polygon[0]] : circle(z.lon, z.lat, z.radius_m)] } }));
  const withPos = sensors.filter((s) => s.lat !== null && s.lon !== null);
  const sf = withPos.map((s) => ({ type: "Feature", properties: { name: s.name },
    geometry: { type: "Point", coordinates: [s.lon, s.lat] } }));
  const cf = withPos.filter((s) => s.max_range_m > 0).map((s) => ({ type: "Feature", properties: { name: s.name },
    geometry: { type: "LineString", coordinates: circle(s.lon, s.lat, s.max_range_m, 128) } }));
  map.getSource("zones")?.setData({ type: "FeatureCollection", features: zf });
  map.getSource("sensors")?.setData({ type: "FeatureCollection", features: sf });
  map.getSource("coverage")?.setData({ type: "FeatureCollection", features: cf });
}

// ---------- data ----------
function rowsOf(cols) {
  const out = [], keys = Object.keys(cols), n = cols.id ? cols.id.length : 0;
  for (let i = 0; i < n; i++) {
    const r = {};
    for (const k of keys) r[k] = cols[k][i];
    out.push(r);
  }
  return out;
}

function putTrack(r) {
  tracks.set(r.id, r);
  if (r.lat === null || r.lon === null) return;
  r.m = mercator(r.lon, r.lat);
  let t = trails.get(r.id);
  if (!t) { t = []; trails.set(r.id, t); }
  const last = t[t.length - 1];
  if (!last || last[0] !== r.m[0] || last[1] !== r.m[1]) t.push(r.m);
  if (t.length > TRAIL_POINTS) t.shift();
}

function onMessage(msg) {
  stats.messages++;
  if (msg.type === "snapshot") {
    stats.snapshots++;
    tracks.clear(); trails.clear(); alerts.clear();
    for (const r of rowsOf(msg.tracks)) putTrack(r);
    for (const a of msg.alerts) alerts.set(a.alert, a);
    sensors = msg.sensors; zones = msg.zones; classes = msg.classes || CLASS_NAMES;
    pictureTime = msg.time; stats.seq = msg.seq;
    if (!centred && msg.site && msg.site.lat !== undefined) {
      centred = true;
      map.jumpTo({ center: [msg.site.lon, msg.site.lat], zoom: 9 });
    }
    setReplay(msg.replay);
    drawStatic(); renderAlerts(); renderSensors();
    dirty = true;
  } else if (msg.type === "delta") {
    if (msg.seq <= stats.seq) return;
    stats.deltas++; stats.seq = msg.seq; pictureTime = msg.time;
    for (const id of msg.del) { tracks.delete(id); trails.delete(id); }
    for (const r of rowsOf(msg.upd)) putTrack(r);
    dirty = true;
  } else if (msg.type === "alerts") {
    if (msg.replace) alerts.clear();
    for (const a of msg.alerts) alerts.set(a.alert, a);
    renderAlerts();
  } else if (msg.type === "sensors") {
    sensors = msg.sensors; renderSensors();
  } else if (msg.type === "zones") {
    zones = msg.zones; drawStatic();
  } else if (msg.type === "replay") {
    setReplay(msg.replay);
  }
}

function connect() {
  const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`;
  ws = new WebSocket(url);
  ws.onopen = () => { showConn(); };
  ws.onmessage = (e) => onMessage(JSON.parse(e.data));
  ws.onclose = () => {
    $("conn").textContent = "disconnected"; $("conn").className = "conn down";
    setTimeout(connect, 2000);
  };
}

// "live" only while the server is reachable and every sensor delivers (a silent sensor is not live)
function showConn() {
  if (!ws || ws.readyState !== WebSocket.OPEN) return;
  const stale = sensors.filter((s) => s.kind !== "file" && (s.status === "stale" || s.status.startsWith("down")));
  $("conn").textContent = stale.length ? `stale: ${stale.map((s) => s.name).join(", ")}` : "live";
  $("conn").className = stale.length ? "conn stale" : "conn up";
}

function send(obj) { if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(obj)); }

// ---------- tracks on the map (at most once per animation frame) ----------
function labelOf(r) { return r.lbl || r.idn || `T${r.id}`; }

function visible(r) {
  if (!filterText) return true;
  const hay = `${r.lbl} ${r.idn} ${r.id} T${r.id} ${classes[r.cls] || ""}`.toLowerCase();
  return hay.includes(filterText);
}

function flush() {
  if (dirty && map.loaded()) {
    dirty = false;
    let shown = 0;
    for (const r of tracks.values()) if (r.lat !== null && visible(r)) shown++;
    $("counts").textContent = `${shown} tracks${shown !== tracks.size ? ` of ${tracks.size}` : ""}`;
    document.body.dataset.tracks = String(shown);
    document.body.dataset.seq = String(stats.seq);
    $("clock").textContent = pictureTime ? `${new Date(pictureTime * 1000).toISOString().slice(11, 19)}Z` : "--:--:--";
    if (selected !== null) renderPanel();
    drawOverlay();
  }
  requestAnimationFrame(flush);
}
requestAnimationFrame(flush);

// Tracks (heading arrows or dots, speed leaders, trails) are drawn on a 2-D canvas over the map,
// not as MapLibre GeoJSON layers: re-tiling 2,000
// moving features in the worker every second cost a frame budget many times over (see
// benchmarks/bench_web.py), while this is a few arithmetic operations per track. Positions are kept
// in Web Mercator units and mapped to the screen by the map's current similarity transform (the
// map never tilts: maxPitch 0), taken from two projected reference points.
let screenPts = [];  // [x, y, id] of the tracks drawn last, for clicks

function mercator(lon, lat) {
  const m = maplibregl.MercatorCoordinate.fromLngLat([lon, lat]);
  return [m.x, m.y];
}

function screenTransform() {
  const c = map.getCenter(), a = map.project(c), b = map.project([c.lng + 0.1, c.lat]);
  const ma = mercator(c.lng, c.lat), mb = mercator(c.lng + 0.1, c.lat);
  const dm = mb[0] - ma[0], sx = (b.x - a.x) / dm, sy = (b.y - a.y) / dm;  // scale*cos, scale*sin
  return (m) => [a.x + sx * (m[0] - ma[0]) - sy * (m[1] - ma[1]), a.y + sy * (m[0] - ma[0]) + sx * (m[1] - ma[1])];
}

function hit(x, y) {
  let best = null, bestD = 12 * 12;
  for (const [px, py, id] of screenPts) {
    const d = (px - x) ** 2 + (py - y) ** 2;
    if (d < bestD) { bestD = d; best = id; }
  }
  return best;
}

function drawOverlay() {
  const cv = $("labels"), dpr = window.devicePixelRatio || 1;
  const w = cv.clientWidth, h = cv.clientHeight;
  if (cv.width !== w * dpr || cv.height !== h * dpr) { cv.width = w * dpr; cv.height = h * dpr; }
  const g = cv.getContext("2d");
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.clearRect(0, 0, w, h);
  const T = screenTransform();
  const onScreen = [];
  for (const r of tracks.values()) {
    if (r.lat === null || !visible(r)) continue;
    const p = T(r.m);
    if (p[0] < -60 || p[1] < -60 || p[0] > w + 60 || p[1] > h + 60) continue;
    onScreen.push([r, p]);
  }
  screenPts = onScreen.map(([r, p]) => [p[0], p[1], r.id]);
  // Trails and speed leaders (60 s ahead), one path per class colour.
  const byCls = [[], [], [], []];
  for (const e of onScreen) (byCls[e[0].cls] || byCls[0]).push(e);
  g.lineCap = "round";
  byCls.forEach((list, k) => {
    if (!list.length) return;
    g.strokeStyle = CLASS_COLOURS[k];
    g.globalAlpha = 0.4; g.lineWidth = 1.2; g.beginPath();
    for (const [r] of list) {
      const t = trails.get(r.id);
      if (!t || t.length < 2) continue;
      let q = T(t[0]); g.moveTo(q[0], q[1]);
      for (let i = 1; i < t.length; i++) { q = T(t[i]); g.lineTo(q[0], q[1]); }
    }
    g.stroke();
    // Speed leaders, and the screen direction of travel for each symbol (map rotation included).
    g.globalAlpha = 1; g.lineWidth = 1.5; g.beginPath();
    const dirs = new Map();
    for (const [r, p] of list) {
      if (!r.spd || r.spd < 1 || r.hdg === null) continue;
      const d = (r.spd * LEADER_S) / 111320, hd = (r.hdg * Math.PI) / 180;
      const tip = T(mercator(r.lon + (d * Math.sin(hd)) / Math.cos((r.lat * Math.PI) / 180), r.lat + d * Math.cos(hd)));
      g.moveTo(p[0], p[1]); g.lineTo(tip[0], tip[1]);
      const len = Math.hypot(tip[0] - p[0], tip[1] - p[1]);
      if (len > 0) dirs.set(r.id, [(tip[0] - p[0]) / len, (tip[1] - p[1]) / len]);
    }
    g.stroke();
    // Symbols: an arrowhead pointing along the heading for a moving track, a dot for a hovering one.
    g.fillStyle = CLASS_COLOURS[k]; g.strokeStyle = "#05090c"; g.lineWidth = 1; g.beginPath();
    const size = k === 2 ? 8 : 7;
    for (const [r, p] of list) {
      const u = dirs.get(r.id);
      if (u) {
        const [ux, uy] = u, nx = -uy, ny = ux;
        g.moveTo(p[0] + ux * size, p[1] + uy * size);
        g.lineTo(p[0] - ux * size * 0.7 + nx * size * 0.6, p[1] - uy * size * 0.7 + ny * size * 0.6);
        g.lineTo(p[0] - ux * size * 0.35, p[1] - uy * size * 0.35);
        g.lineTo(p[0] - ux * size * 0.7 - nx * size * 0.6, p[1] - uy * size * 0.7 - ny * size * 0.6);
        g.closePath();
      } else {
        g.moveTo(p[0] + size * 0.6, p[1]); g.arc(p[0], p[1], size * 0.6, 0, 2 * Math.PI);
      }
    }
    g.fill(); g.stroke();
  });
  // Spoofed / suspect tracks ringed in magenta; the selected one in white.
  g.strokeStyle = SPOOF; g.lineWidth = 2; g.beginPath();
  for (const [r, p] of onScreen) if (r.itg >= 1) { g.moveTo(p[0] + 8, p[1]); g.arc(p[0], p[1], 8, 0, 2 * Math.PI); }
  g.stroke();
  const sel = onScreen.find(([r]) => r.id === selected);
  if (sel) { g.strokeStyle = "#fff"; g.lineWidth = 2; g.beginPath(); g.arc(sel[1][0], sel[1][1], 13, 0, 2 * Math.PI); g.stroke(); }
  g.font = "11px 'DejaVu Sans Mono', monospace";
  g.textBaseline = "top";
  // Labels, decluttered: the selected track first, then drones, suspect tracks and the rest; a label
  // that would overlap one already drawn tries the left side, else is left out (the dot stays).
  const many = onScreen.length > MAX_LABELS;
  const rank = (r) => (r.id === selected ? 0 : r.cls === 2 ? 1 : r.itg >= 1 ? 2 : 3);
  const order = onScreen.filter(([r]) => !many || rank(r) < 3).sort((a, b) => rank(a[0]) - rank(b[0]));
  const placed = new Map();  // 64-px grid cell -> boxes
  const free = (x0, y0, x1, y1) => {
    for (let cx = Math.floor(x0 / 64); cx <= Math.floor(x1 / 64); cx++)
      for (let cy = Math.floor(y0 / 64); cy <= Math.floor(y1 / 64); cy++)
        for (const b of placed.get(cx * 100003 + cy) || []) if (x0 < b[2] && x1 > b[0] && y0 < b[3] && y1 > b[1]) return false;
    return true;
  };
  const take = (box) => {
    for (let cx = Math.floor(box[0] / 64); cx <= Math.floor(box[2] / 64); cx++)
      for (let cy = Math.floor(box[1] / 64); cy <= Math.floor(box[3] / 64); cy++) {
        const k = cx * 100003 + cy;
        if (!placed.has(k)) placed.set(k, []);
        placed.get(k).push(box);
      }
  };
  // Names of zones and sensors first: track labels keep clear of them.
  const fixed = [...zones.map((z) => [z.name, z.lon, z.lat, 4, 4, "#ff8a80"]),
    ...sensors.filter((s) => s.lat !== null).map((s) => [s.name, s.lon, s.lat, 8, -5, "#b0bec5"])];
  for (const [text, lon, lat, dx, dy, colour] of fixed) {
    const p = map.project([lon, lat]);
    g.fillStyle = colour;
    g.fillText(text, p.x + dx, p.y + dy);
    take([p.x + dx, p.y + dy, p.x + dx + 6.7 * text.length, p.y + dy + 12]);
  }
  for (const [r, p] of order) {
    const name = labelOf(r).slice(0, 24);
    const fl = r.alt === null ? "---" : String(Math.max(0, Math.round(r.alt * M_TO_FT / 100))).padStart(3, "0");
    const line2 = `${fl} ${r.spd === null ? "" : `${Math.round(r.spd * MPS_TO_KT)}kt`}`;
    const wpx = 6.7 * Math.max(name.length, line2.length);
    let x = p[0] + 10;
    if (!free(x, p[1] - 12, x + wpx, p[1] + 13)) {
      x = p[0] - 10 - wpx;
      if (!free(x, p[1] - 12, x + wpx, p[1] + 13)) continue;
    }
    take([x, p[1] - 12, x + wpx, p[1] + 13]);
    g.fillStyle = r.itg >= 1 ? SPOOF : (CLASS_COLOURS[r.cls] || CLASS_COLOURS[0]);
    g.fillText(name, x, p[1] - 12);
    g.fillStyle = "#8aa0ad";
    g.fillText(line2, x, p[1] + 1);
  }
}

// ---------- selected track ----------
function select(id) {
  selected = id;
  detail = null; detailAt = 0;
  $("track-panel").hidden = false;
  dirty = true;
  renderPanel();
  map.resize();
}

$("tp-close").addEventListener("click", () => {
  selected = null; $("track-panel").hidden = true;
  dirty = true;
  map.resize();
});

function field(dl, name, value, extra) {
  const dt = document.createElement("dt"), dd = document.createElement("dd");
  dt.textContent = name; dd.textContent = value;
  if (extra) dd.appendChild(extra);
  dl.append(dt, dd);
}

async function fetchDetail(id) {
  try {
    const r = await fetch(`/api/tracks/${id}`);
    if (r.ok && selected === id) { detail = await r.json(); drawPlot(); }
  } catch (e) { /* the next update retries */ }
}

function renderPanel() {
  const r = tracks.get(selected), dl = $("tp-fields");
  if (!r) { $("tp-title").textContent = `T${selected} (lost)`; return; }
  $("tp-title").textContent = labelOf(r);
  dl.replaceChildren();
  field(dl, "track", `T${r.id}`);
  field(dl, "identity", r.idn || "none");
  const bar = document.createElement("span");
  bar.className = "pbar"; bar.style.width = `${Math.round((r.p ?? 0) * 80)}px`;
  field(dl, "class", `${classes[r.cls] || "unknown"} ${r.p === null ? "" : Math.round(r.p * 100) + "%"}`, bar);
  const names = sensors.map((s) => s.name).filter((_, b) => (r.sen >> b) & 1);
  field(dl, "sources", names.join(", ") || "none");
  field(dl, "altitude", r.alt === null ? "unknown" : `${Math.round(r.alt)} m / ${Math.round(r.alt * M_TO_FT)} ft`);
  field(dl, "speed", r.spd === null ? "unknown" : `${r.spd.toFixed(1)} m/s / ${Math.round(r.spd * MPS_TO_KT)} kt`);
  field(dl, "heading", r.hdg === null ? "unknown" : `${Math.round(r.hdg)}°`);
  field(dl, "climb", r.vr === null ? "unknown" : `${r.vr.toFixed(1)} m/s`);
  field(dl, "integrity", ["ok", "suspect", "spoofed"][r.itg] || String(r.itg));
  field(dl, "position", `${r.lat.toFixed(5)}, ${r.lon.toFixed(5)}`);
  if (pictureTime && r.upd !== null) field(dl, "updated", `${Math.max(0, pictureTime - r.upd).toFixed(1)} s ago`);
  const now = performance.now();
  if (now - detailAt > 3000) { detailAt = now; fetchDetail(selected); }
}

function drawPlot() {
  const cv = $("tp-plot"), g = cv.getContext("2d"), w = cv.width, h = cv.height;
  g.clearRect(0, 0, w, h);
  if (!detail || detail.history.t.length < 2) { g.fillStyle = "#6f8594"; g.fillText("history builds up…", 8, 16); return; }
  const H = detail.history, t0 = H.t[0], t1 = H.t[H.t.length - 1];
  const series = [[H.alt_m.map((v) => v === null ? null : v * M_TO_FT), "#4fc3f7"],
    [H.speed_mps.map((v) => v === null ? null : v * MPS_TO_KT), "#ffb300"]];
  g.font = "10px monospace";
  series.forEach(([vals, colour], k) => {
    const ok = vals.filter((v) => v !== null);
    if (!ok.length) return;
    const lo = Math.min(...ok), hi = Math.max(...ok), span = hi - lo || 1;
    g.strokeStyle = colour; g.lineWidth = 1.5; g.beginPath();
    let pen = false;
    vals.forEach((v, i) => {
      if (v === null) { pen = false; return; }
      const x = 4 + (w - 8) * (H.t[i] - t0) / (t1 - t0 || 1), y = h - 14 - (h - 28) * (v - lo) / span;
      if (pen) g.lineTo(x, y); else g.moveTo(x, y);
      pen = true;
    });
    g.stroke();
    g.fillStyle = colour;
    g.fillText(`${Math.round(lo)}–${Math.round(hi)}`, k ? w - 70 : 4, 10);
  });
  g.fillStyle = "#6f8594";
  g.fillText(`${Math.round(t1 - t0)} s`, w / 2 - 10, h - 3);
}

// ---------- alerts ----------
function fmtTime(t) { return new Date(t * 1000).toISOString().slice(11, 19); }

function renderAlerts() {
  const ul = $("alerts"), list = [...alerts.values()].sort((a, b) => b.time_s - a.time_s);
  const unacked = list.filter((a) => !a.acknowledged && a.state !== "cleared").length;
  $("alert-count").textContent = String(unacked);
  $("alert-count").className = unacked ? "badge hot" : "badge";
  ul.replaceChildren(...list.slice(0, 200).map((a) => {
    const li = document.createElement("li");
    li.className = `${a.state} ${a.acknowledged ? "acked" : "unacked"}`;
    li.dataset.alert = a.alert;
    const head = document.createElement("div"); head.className = "al-head";
    const kind = document.createElement("span"); kind.className = "al-kind"; kind.textContent = a.kind.replace("_", " ");
    const zone = document.createElement("span"); zone.textContent = a.zone;
    const time = document.createElement("span"); time.className = "al-time"; time.textContent = fmtTime(a.time_s);
    head.append(kind, zone, time);
    const who = document.createElement("div"); who.className = "al-who";
    who.textContent = `${a.identity || "T" + a.track} · ${a.cls} · ${a.state}`;
    const msg = document.createElement("div"); msg.className = "al-msg"; msg.textContent = a.message;
    li.append(head, who, msg);
    if (a.acknowledged) {
      const s = document.createElement("div"); s.className = "al-acked"; s.textContent = "acknowledged"; li.append(s);
    } else if (a.state !== "cleared") {
      const b = document.createElement("button"); b.type = "button"; b.className = "al-ack"; b.textContent = "Acknowledge";
      b.addEventListener("click", (e) => { e.stopPropagation(); send({ cmd: "ack", alert: a.alert }); });
      li.append(b);
    }
    li.addEventListener("click", () => {
      if (tracks.has(a.track)) select(a.track);
      if (a.lat !== null && a.lon !== null) map.easeTo({ center: [a.lon, a.lat], zoom: Math.max(map.getZoom(), 12) });
    });
    return li;
  }));
}

// ---------- sensors ----------
function renderSensors() {
  showConn();
  const tb = $("sensors").querySelector("tbody");
  tb.replaceChildren(...sensors.map((s) => {
    const tr = document.createElement("tr");
    const rej = Object.values(s.rejects).reduce((a, b) => a + b, 0);
    const age = s.silent_s !== null && s.silent_s !== undefined ? `${s.silent_s.toFixed(0)} s`
      : s.last_message_s !== null && pictureTime ? `${Math.max(0, pictureTime - s.last_message_s).toFixed(0)} s` : "";
    const cells = [`${s.name} (${s.kind})`, s.status, s.rate_per_s.toFixed(1), String(rej), age];
    cells.forEach((v, i) => {
      const td = document.createElement("td"); td.textContent = v;
      if (i === 1) td.className = `st-${s.status}`;
      if (i === 3) td.title = Object.entries(s.rejects).map(([k, n]) => `${k}: ${n}`).join("\n");
      tr.append(td);
    });
    return tr;
  }));
}

// ---------- filter ----------
$("filter").addEventListener("input", (e) => { filterText = e.target.value.trim().toLowerCase(); dirty = true; });

// ---------- replay ----------
function setReplay(r) {
  replay = r;
  $("replay").hidden = !r;
  document.body.classList.toggle("replaying", !!r);
  if (!r) return;
  const sl = $("rp-slider");
  sl.min = String(Math.floor(r.start_s)); sl.max = String(Math.ceil(r.end_s));
  if (!sl.matches(":active")) sl.value = String(Math.round(r.t));
  $("rp-time").textContent = `${fmtTime(r.t)}Z${r.available_s < r.end_s ? ` (tracked to ${fmtTime(r.available_s)})` : ""}`;
  $("rp-play").textContent = r.paused ? "Play" : "Pause";
  $("rp-speed").value = String(r.speed);
}
$("rp-slider").addEventListener("change", (e) => send({ cmd: "seek", t: Number(e.target.value) }));
$("rp-slider").addEventListener("input", (e) => { $("rp-time").textContent = `${fmtTime(Number(e.target.value))}Z`; });
$("rp-play").addEventListener("click", () => send({ cmd: replay && replay.paused ? "play" : "pause" }));
$("rp-speed").addEventListener("change", (e) => send({ cmd: "speed", speed: Number(e.target.value) }));

// For tests and for an operator's browser console: read-only views of the state.
window.airpicture = { map, tracks, alerts, stats, select, get selected() { return selected; } };

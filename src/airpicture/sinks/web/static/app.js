// airpicture operator console. Everything comes from this server: map library, basemap, data.
// Text from the air (callsigns, Remote ID serials, operator ids, alert messages) is hostile: it is
// only ever put in the page with textContent or drawn on a canvas, never parsed as HTML.
// Labels are drawn on a 2-D canvas over the map, so MapLibre needs no glyph server at all.
import * as maplibregl from "/static/vendor/maplibre-gl.mjs";

const CLASS_NAMES = ["unknown", "aircraft", "drone", "bird"];
const CLASS_COLOURS = ["#ffd54f", "#4fc3f7", "#ff5252", "#9ccc65"];
const SPOOF = "#e040fb";
const TRAIL_POINTS = 20;
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
  zoom: 8,
  attributionControl: { compact: true, customAttribution: "Natural Earth (public domain) | MapLibre" },
});
map.addControl(new maplibregl.NavigationControl({ showCompass: true }), "top-right");
map.addControl(new maplibregl.ScaleControl({ unit: "metric" }), "bottom-right");

function arrowImage(size = 48) {
  // A heading arrow pointing north, white on transparent: used as an SDF icon so it can be tinted.
  const c = document.createElement("canvas");
  c.width = c.height = size;
  const g = c.getContext("2d");
  const s = size / 48;
  g.fillStyle = "#fff";
  g.beginPath();
  g.moveTo(24 * s, 4 * s); g.lineTo(38 * s, 42 * s); g.lineTo(24 * s, 33 * s); g.lineTo(10 * s, 42 * s);
  g.closePath();
  g.fill();
  return g.getImageData(0, 0, size, size);
}

const empty = () => ({ type: "FeatureCollection", features: [] });
const clsColour = ["match", ["get", "cls"], 1, CLASS_COLOURS[1], 2, CLASS_COLOURS[2], 3, CLASS_COLOURS[3], CLASS_COLOURS[0]];

map.on("load", () => {
  map.addImage("arrow", arrowImage(), { sdf: true, pixelRatio: 2 });
  for (const id of ["zones", "coverage", "sensors", "trails", "tracks"]) map.addSource(id, { type: "geojson", data: empty() });
  map.addLayer({ id: "coverage", type: "line", source: "coverage",
    paint: { "line-color": "#3b5566", "line-width": 1, "line-dasharray": [4, 4] } });
  map.addLayer({ id: "zones-fill", type: "fill", source: "zones", paint: { "fill-color": "#ff5252", "fill-opacity": 0.12 } });
  map.addLayer({ id: "zones-line", type: "line", source: "zones", paint: { "line-color": "#ff5252", "line-width": 1.5 } });
  map.addLayer({ id: "sensors", type: "circle", source: "sensors",
    paint: { "circle-radius": 5, "circle-color": "#08141d", "circle-stroke-color": "#b0bec5", "circle-stroke-width": 2 } });
  map.addLayer({ id: "trails", type: "line", source: "trails",
    paint: { "line-color": clsColour, "line-width": 1.2, "line-opacity": 0.45 } });
  map.addLayer({ id: "selected", type: "circle", source: "tracks", filter: ["==", ["get", "id"], -1],
    paint: { "circle-radius": 14, "circle-color": "rgba(0,0,0,0)", "circle-stroke-color": "#ffffff", "circle-stroke-width": 2 } });
  map.addLayer({ id: "tracks", type: "symbol", source: "tracks",
    layout: { "icon-image": "arrow", "icon-size": ["case", ["==", ["get", "cls"], 2], 0.75, 0.6],
      "icon-rotate": ["get", "hdg"], "icon-rotation-alignment": "map",
      "icon-allow-overlap": true, "icon-ignore-placement": true },
    paint: { "icon-color": clsColour,
      "icon-halo-color": ["case", [">=", ["get", "itg"], 1], SPOOF, "rgba(0,0,0,0.8)"],
      "icon-halo-width": ["case", [">=", ["get", "itg"], 1], 3, 1] } });
  map.on("click", "tracks", (e) => { if (e.features.length) select(e.features[0].properties.id); });
  map.on("mouseenter", "tracks", () => { map.getCanvas().style.cursor = "pointer"; });
  map.on("mouseleave", "tracks", () => { map.getCanvas().style.cursor = ""; });
  map.on("render", drawLabels);
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
  let t = trails.get(r.id);
  if (!t) { t = []; trails.set(r.id, t); }
  const last = t[t.length - 1];
  if (!last || last[0] !== r.lon || last[1] !== r.lat) t.push([r.lon, r.lat]);
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
  ws.onopen = () => { $("conn").textContent = "live"; $("conn").className = "conn up"; };
  ws.onmessage = (e) => onMessage(JSON.parse(e.data));
  ws.onclose = () => {
    $("conn").textContent = "disconnected"; $("conn").className = "conn down";
    setTimeout(connect, 2000);
  };
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
  if (dirty && map.getSource("tracks")) {
    dirty = false;
    const pts = [], lines = [];
    for (const r of tracks.values()) {
      if (r.lat === null || r.lon === null || !visible(r)) continue;
      pts.push({ type: "Feature", properties: { id: r.id, cls: r.cls, hdg: r.hdg ?? 0, itg: r.itg },
        geometry: { type: "Point", coordinates: [r.lon, r.lat] } });
      const t = trails.get(r.id);
      if (t && t.length > 1) lines.push({ type: "Feature", properties: { cls: r.cls }, geometry: { type: "LineString", coordinates: t } });
    }
    map.getSource("tracks").setData({ type: "FeatureCollection", features: pts });
    map.getSource("trails").setData({ type: "FeatureCollection", features: lines });
    $("counts").textContent = `${pts.length} tracks${pts.length !== tracks.size ? ` of ${tracks.size}` : ""}`;
    document.body.dataset.tracks = String(pts.length);
    document.body.dataset.seq = String(stats.seq);
    $("clock").textContent = pictureTime ? `${new Date(pictureTime * 1000).toISOString().slice(11, 19)}Z` : "--:--:--";
    if (selected !== null) renderPanel();
    map.triggerRepaint();
  }
  requestAnimationFrame(flush);
}
requestAnimationFrame(flush);

function drawLabels() {
  const cv = $("labels"), dpr = window.devicePixelRatio || 1;
  const w = cv.clientWidth, h = cv.clientHeight;
  if (cv.width !== w * dpr || cv.height !== h * dpr) { cv.width = w * dpr; cv.height = h * dpr; }
  const g = cv.getContext("2d");
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.clearRect(0, 0, w, h);
  g.font = "11px 'DejaVu Sans Mono', monospace";
  g.textBaseline = "top";
  // Zones by name.
  g.fillStyle = "#ff8a80";
  for (const z of zones) {
    const p = map.project([z.lon, z.lat]);
    g.fillText(z.name, p.x + 4, p.y + 4);
  }
  g.fillStyle = "#b0bec5";
  for (const s of sensors) if (s.lat !== null) { const p = map.project([s.lon, s.lat]); g.fillText(s.name, p.x + 8, p.y - 5); }
  // Tracks: every one when few are on screen, otherwise drones, alerted and selected first.
  const onScreen = [];
  for (const r of tracks.values()) {
    if (r.lat === null || !visible(r)) continue;
    const p = map.project([r.lon, r.lat]);
    if (p.x < -50 || p.y < -20 || p.x > w + 10 || p.y > h + 10) continue;
    onScreen.push([r, p]);
  }
  const many = onScreen.length > MAX_LABELS;
  for (const [r, p] of onScreen) {
    if (many && r.cls !== 2 && r.id !== selected && r.itg === 0) continue;
    const fl = r.alt === null ? "---" : String(Math.max(0, Math.round(r.alt * M_TO_FT / 100))).padStart(3, "0");
    const kt = r.spd === null ? "" : `${Math.round(r.spd * MPS_TO_KT)}kt`;
    g.fillStyle = r.itg >= 1 ? SPOOF : (CLASS_COLOURS[r.cls] || CLASS_COLOURS[0]);
    g.fillText(labelOf(r).slice(0, 24), p.x + 10, p.y - 12);
    g.fillStyle = "#8aa0ad";
    g.fillText(`${fl} ${kt}`, p.x + 10, p.y + 1);
  }
}

// ---------- selected track ----------
function select(id) {
  selected = id;
  detail = null; detailAt = 0;
  $("track-panel").hidden = false;
  map.setFilter("selected", ["==", ["get", "id"], id]);
  renderPanel();
  map.resize();
}

$("tp-close").addEventListener("click", () => {
  selected = null; $("track-panel").hidden = true;
  map.setFilter("selected", ["==", ["get", "id"], -1]);
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
  const tb = $("sensors").querySelector("tbody");
  tb.replaceChildren(...sensors.map((s) => {
    const tr = document.createElement("tr");
    const rej = Object.values(s.rejects).reduce((a, b) => a + b, 0);
    const age = s.last_message_s !== null && pictureTime ? `${Math.max(0, pictureTime - s.last_message_s).toFixed(0)} s` : "";
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

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
const MAX_PLACE_LABELS = 150;
const KIND = ["get", "kind"];
const RANK = ["get", "rank"], TOWN = ["==", ["get", "kind"], "town"];
const PLACE_LAYERS = [  // id, min zoom, filter, dot radius, colour
  ["places-towns-big", 0, ["all", TOWN, [">=", RANK, 100000]], 3.5, "#5f7280"],
  ["places-towns-mid", 8, ["all", TOWN, [">=", RANK, 10000], ["<", RANK, 100000]], 2.5, "#56687a"],
  ["places-towns-small", 10, ["all", TOWN, ["<", RANK, 10000]], 2, "#4b5d6b"],
  ["places-airfields", 7, ["==", ["get", "kind"], "airfield"], 3.5, "#4fa3c7"],
];
// How numbers are shown: the server's units table (airpicture/units.py, the `units` setting), the
// same factors and suffixes its alert texts use. Until the snapshot says, metric.
let units = { name: "metric", height: [1, "m"], speed: [1, "m/s"], distance: [0.001, "km"], vrate: [1, "m/s"] };
const conv = (q, v) => v * units[q][0];
const fmtQ = (q, v, digits = 0) => `${conv(q, v).toFixed(digits)} ${units[q][1]}`;
// a label's altitude: a flight level in aviation units (hundreds of feet), else metres
const altLabel = (m) => m === null ? "---" : units.name === "aviation"
  ? String(Math.max(0, Math.round(conv("height", m) / 100))).padStart(3, "0") : `${Math.round(conv("height", m))}m`;
const spdLabel = (v) => v === null ? "" : `${Math.round(conv("speed", v))}${units.speed[1]}`;

const $ = (id) => document.getElementById(id);
const tracks = new Map();      // id -> row object (see live.py COLUMNS)
const trails = new Map();      // id -> [[lon, lat], ...]
const alerts = new Map();      // alert id -> alert
let sensors = [], zones = [], classes = CLASS_NAMES, reasons = [], replay = null, pictureTime = null;
let gnss = { type: "FeatureCollection", features: [] };  // GNSS interference map: a cell per feature
let centred = false, selected = null, filterText = "", ws = null, dirty = false, detail = null, detailAt = 0;
const stats = { messages: 0, snapshots: 0, deltas: 0, seq: 0 };
let placeNames = [];  // the town and airfield names drawn last frame (read by the browser tests)
let labelLines = [];  // the tracks' altitude / speed lines drawn last frame (likewise)
let site = null, fitted = false, userMoved = false;
// The list, counts and panel follow the feed from the first message; the map's layers, the track
// overlay and its clicks wait for the map's style (seconds on a software renderer, longer with slow tiles).
let mapReady = false;

// ---------- map ----------
const map = new maplibregl.Map({
  container: "map",
  style: {
    version: 8,
    sources: {
      // maxzoom: tiles past it are overzoomed, not re-cut: 1:50m outlines have nothing finer to show
      // than zoom 7 holds, and cutting France at zoom 12 costs seconds on a software renderer
      basemap: { type: "geojson", data: new URL("/static/basemap/countries-50m.geojson", location.href).href,
        maxzoom: 7 },
      places: { type: "geojson", data: new URL("/static/basemap/places.geojson", location.href).href },
      // rivers, runways (and roads, urban areas where a site's extract has them): tools/build_region.py
      region: { type: "geojson", data: new URL("/static/basemap/region.geojson", location.href).href, maxzoom: 13 },
    },
    layers: [
      { id: "sea", type: "background", paint: { "background-color": "#08141d" } },
      { id: "land", type: "fill", source: "basemap", paint: { "fill-color": "#131d24" } },
      { id: "urban", type: "fill", source: "region", filter: ["==", KIND, "urban"], paint: { "fill-color": "#1b2730" } },
      { id: "rivers", type: "line", source: "region", filter: ["==", KIND, "river"], minzoom: 6,
        paint: { "line-color": "#1f4e6b", "line-width": ["interpolate", ["linear"], ["zoom"], 6, 0.6, 12, 2.2] } },
      { id: "roads", type: "line", source: "region", filter: ["==", KIND, "road"], minzoom: 6,
        paint: { "line-color": "#3a4650", "line-width": ["interpolate", ["linear"], ["zoom"], 6, 0.5, 12, 1.8] } },
      { id: "borders", type: "line", source: "basemap", paint: { "line-color": "#2f4654", "line-width": 0.8 } },
      // runways at their true size (polygons), with an outline so that they show from afar too
      { id: "runways", type: "fill", source: "region", filter: ["==", KIND, "runway"], minzoom: 8,
        paint: { "fill-color": "#52606b", "fill-outline-color": "#7a8a96" } },
      // Towns (GeoNames) and airfields (ICAO), tools/build_places.py: larger towns from further out.
      ...PLACE_LAYERS.map(([id, minzoom, filter, radius, colour]) => ({ id, type: "circle", source: "places", minzoom,
        filter, paint: { "circle-radius": radius, "circle-color": colour, "circle-stroke-color": "#08141d",
          "circle-stroke-width": 0.5 } })),
    ],
  },
  center: [2.35, 48.86],
  maxPitch: 0,
  fadeDuration: 0, // symbols appear at once: no fade animation repainting after every update
  zoom: 8,
  attributionControl: { compact: true, customAttribution: "Natural Earth (public domain) | GeoNames (CC BY 4.0) | airportsdata | "
    + "OurAirports (public domain) | WDB II rivers via GSHHG (LGPL) | MapLibre" },
});
map.addControl(new maplibregl.NavigationControl({ showCompass: true }), "top-right");
map.on("dragstart", () => { userMoved = true; });
map.on("zoomstart", (e) => { if (e.originalEvent) userMoved = true; });  // a wheel or pinch, not fitBounds
const scale = new maplibregl.ScaleControl({ unit: "metric" });
map.addControl(scale, "bottom-right");

// The snapshot's display settings: units for every number shown; optional online raster tiles,
// drawn over the offline basemap (which shows wherever a tile does not load) and under the places.
let tilesOn = false;
function setDisplay(d) {
  if (!d) return;
  units = d.units || units;
  scale.setUnit(units.name === "aviation" ? "nautical" : "metric");
  document.body.dataset.units = units.name;
  const th = $("track-list").querySelectorAll("th");
  th[2].textContent = units.name === "aviation" ? "FL" : units.height[1];
  th[3].textContent = units.speed[1];
  $("tp-units").textContent = `${units.height[1]}, ${units.speed[1]}`;
  if (d.tiles) tilesWanted = d.tiles;
  addTiles();
  document.body.dataset.tiles = tilesOn ? "on" : "off";
}

let tilesWanted = null;
function addTiles() {
  const t = tilesWanted;
  if (t && !tilesOn && mapReady) {
    tilesOn = true;
    map.addSource("tiles", { type: "raster", tiles: [t.url], tileSize: 256, attribution: t.attribution || "" });
    map.addLayer({ id: "tiles", type: "raster", source: "tiles", paint: { "raster-opacity": 0.85 } }, PLACE_LAYERS[0][0]);
    document.body.dataset.tiles = "on";
  }
}

const empty = () => ({ type: "FeatureCollection", features: [] });

// GNSS interference cells (H3 hexagons computed by the server) coloured by the share of aircraft
// reporting degraded position quality, in gpsjam.org's bands: below 2 % green, to 10 % yellow, red
// above; no rated aircraft grey. Cells judged probable interference are filled stronger and ringed.
const GNSS_COLOUR = ["step", ["coalesce", ["get", "share"], -1], "#607d8b", 0, "#43a047", 0.02, "#fdd835", 0.10, "#e53935"];

function setGnss(fc) {
  gnss = fc || empty();
  const src = map.getSource("gnss");
  if (!src) return;  // the map's load adds the source with these cells
  src.setData(gnss);
  document.body.dataset.gnss = String(gnss.features.length);  // on the map
}

function showGnss(on) {
  for (const id of ["gnss-fill", "gnss-line"]) if (map.getLayer(id)) map.setLayoutProperty(id, "visibility", on ? "visible" : "none");
}

map.on("load", () => {
  mapReady = true;
  for (const id of ["gnss", "zones", "coverage", "sensors"]) map.addSource(id, { type: "geojson", data: id === "gnss" ? gnss : empty() });
  map.addLayer({ id: "gnss-fill", type: "fill", source: "gnss", paint: { "fill-color": GNSS_COLOUR,
    "fill-opacity": ["case", ["get", "interference"], 0.45, 0.15] } });
  map.addLayer({ id: "gnss-line", type: "line", source: "gnss", paint: { "line-color": GNSS_COLOUR,
    "line-width": ["case", ["get", "interference"], 2.5, 0.6], "line-opacity": 0.8 } });
  showGnss($("gnss-toggle").checked);
  document.body.dataset.gnss = String(gnss.features.length);
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
  addTiles();
  dirty = true;
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
  if (!mapReady) return;
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

function fitOnce() {
  // The first tracks and the site in view, once, unless the operator has moved the map already: a
  // live feed's first aircraft may be 200 km from the site. The "fit" button does it again.
  if (fitted || userMoved || !tracks.size) return;
  fitted = true;
  fitView();
}

function fitView() {
  const pts = [...tracks.values()].filter((r) => r.lat !== null && r.lon !== null).map((r) => [r.lon, r.lat]);
  if (site && site.lat !== undefined) pts.push([site.lon, site.lat]);
  if (!pts.length) return;
  const b = new maplibregl.LngLatBounds(pts[0], pts[0]);
  for (const p of pts) b.extend(p);
  map.fitBounds(b, { padding: 60, maxZoom: 11, duration: 0 });
}

function onMessage(msg) {
  stats.messages++;
  if (msg.type === "snapshot") {
    stats.snapshots++;
    tracks.clear(); trails.clear(); alerts.clear();
    for (const r of rowsOf(msg.tracks)) putTrack(r);
    for (const a of msg.alerts) alerts.set(a.alert, a);
    sensors = msg.sensors; zones = msg.zones; classes = msg.classes || CLASS_NAMES; reasons = msg.reasons || [];
    setDisplay(msg.display);
    pictureTime = msg.time; stats.seq = msg.seq;
    if (!centred && msg.site && msg.site.lat !== undefined) {
      centred = true;
      site = msg.site;
      map.jumpTo({ center: [msg.site.lon, msg.site.lat], zoom: 9 });
    }
    fitOnce();
    setReplay(msg.replay);
    setGnss(msg.gnss);
    drawStatic(); renderAlerts(); renderSensors();
    dirty = true;
  } else if (msg.type === "delta") {
    if (msg.seq <= stats.seq) return;
    stats.deltas++; stats.seq = msg.seq; pictureTime = msg.time;
    for (const id of msg.del) { tracks.delete(id); trails.delete(id); }
    for (const r of rowsOf(msg.upd)) putTrack(r);
    fitOnce();
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
  } else if (msg.type === "gnss") {
    setGnss(msg.gnss);
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
const INTEGRITY = ["ok", "suspect", "spoofed"];
function labelOf(r) { return r.lbl || r.idn || `T${r.id}`; }

function visible(r) {
  if (!filterText) return true;
  // the integrity mark too: "spoofed" or "suspect" lists the broadcasts the picture does not believe
  const hay = `${r.lbl} ${r.idn} ${r.id} T${r.id} ${classes[r.cls] || ""} ${INTEGRITY[r.itg] || ""}`.toLowerCase();
  return hay.includes(filterText);
}

function flush() {
  if (dirty) {
    dirty = false;
    let shown = 0;
    for (const r of tracks.values()) if (r.lat !== null && visible(r)) shown++;
    $("counts").textContent = `${shown} tracks${shown !== tracks.size ? ` of ${tracks.size}` : ""}`;
    document.body.dataset.seq = String(stats.seq);
    $("clock").textContent = pictureTime ? `${new Date(pictureTime * 1000).toISOString().slice(11, 19)}Z` : "--:--:--";
    if (selected !== null) renderPanel();
    if (performance.now() - listAt > 1000) renderList();
    if (mapReady) {
      drawOverlay();
      document.body.dataset.tracks = String(shown);  // drawn on the map, clickable
    } else dirty = true;  // again once the map is ready
  }
  requestAnimationFrame(flush);
}

// ---------- the track list (as tar1090's): sortable by a header click, a row click selects ----------
const MAX_LIST_ROWS = 300;
let listSort = { key: "label", dir: 1 }, listAt = -Infinity;
const byName = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });  // T2 before T10
const LIST_KEYS = {
  label: (r) => labelOf(r), cls: (r) => r.cls,
  alt: (r) => (r.alt === null ? -Infinity : r.alt), spd: (r) => (r.spd === null ? -Infinity : r.spd),
};

function renderList() {
  listAt = performance.now();
  const key = LIST_KEYS[listSort.key], dir = listSort.dir;
  const rows = [...tracks.values()].filter((r) => r.lat !== null && visible(r))
    .sort((a, b) => {
      const x = key(a), y = key(b);
      const c = typeof x === "string" ? byName.compare(x, y) : x < y ? -1 : x > y ? 1 : 0;
      return c ? c * dir : a.id - b.id;
    });
  $("list-count").textContent = String(rows.length);
  $("track-list").querySelectorAll("th").forEach((th) => {
    th.classList.toggle("sorted", th.dataset.key === listSort.key);
    th.classList.toggle("up", dir < 0);
  });
  $("track-list").querySelector("tbody").replaceChildren(...rows.slice(0, MAX_LIST_ROWS).map((r) => {
    const tr = document.createElement("tr");
    tr.dataset.track = String(r.id);
    if (r.id === selected) tr.className = "sel";
    const alt = r.alt === null ? "" : units.name === "aviation" ? altLabel(r.alt) : String(Math.round(conv("height", r.alt)));
    const spd = r.spd === null ? "" : String(Math.round(conv("speed", r.spd)));
    for (const [i, v] of [labelOf(r), classes[r.cls] || "", alt, spd].entries()) {
      const td = document.createElement("td");
      td.textContent = v;  // names from the air: text, never HTML
      if (i === 0) td.style.color = r.itg >= 1 ? SPOOF : (CLASS_COLOURS[r.cls] || CLASS_COLOURS[0]);
      tr.append(td);
    }
    return tr;
  }));
}

$("track-list").querySelector("thead").addEventListener("click", (e) => {
  const k = e.target.dataset && e.target.dataset.key;
  if (!k) return;
  listSort = { key: k, dir: listSort.key === k ? -listSort.dir : k === "label" || k === "cls" ? 1 : -1 };
  renderList();
});
$("track-list").querySelector("tbody").addEventListener("click", (e) => {
  const tr = e.target.closest("tr");
  if (tr) { select(Number(tr.dataset.track)); renderList(); }
});
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
  for (const [text, lon, lat, dx, dy0, colour] of fixed) {
    // sensors at one site (a radar and an ADS-B receiver) would print over each other: step down
    const p = map.project([lon, lat]), wpx = 6.7 * text.length;
    let dy = dy0;
    for (let k = 0; k < 4 && !free(p.x + dx, p.y + dy, p.x + dx + wpx, p.y + dy + 12); k++) dy += 13;
    g.fillStyle = colour;
    g.fillText(text, p.x + dx, p.y + dy);
    take([p.x + dx, p.y + dy, p.x + dx + wpx, p.y + dy + 12]);
  }
  labelLines = [];
  for (const [r, p] of order) {
    const name = labelOf(r).slice(0, 24);
    const line2 = `${altLabel(r.alt)} ${spdLabel(r.spd)}`;
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
    labelLines.push(line2);
  }
  drawPlaceNames(g, free, take);
}

function drawPlaceNames(g, free, take) {
  // Place names last, largest first, where they fit: what flies and the site's names keep their room.
  const layers = PLACE_LAYERS.map((l) => l[0]).filter((id) => map.getLayer(id));
  const seen = new Set();
  const feats = map.queryRenderedFeatures({ layers }).sort((a, b) => b.properties.rank - a.properties.rank);
  let shown = 0;
  placeNames = [];
  for (const f of feats) {
    const pr = f.properties, [lon, lat] = f.geometry.coordinates, key = `${pr.name}|${lon}|${lat}`;
    if (shown >= MAX_PLACE_LABELS || seen.has(key)) continue;
    seen.add(key);
    const text = pr.kind === "airfield" ? `${pr.code} ${pr.name}`.slice(0, 32) : pr.name;
    const p = map.project([lon, lat]), x = p.x + 5, y = p.y - 6, wpx = 6.7 * text.length;
    if (!free(x, y, x + wpx, y + 12)) continue;
    take([x, y, x + wpx, y + 12]);
    g.fillStyle = pr.kind === "airfield" ? "#6fb0cc" : "#7d8f9b";
    g.fillText(text, x, y);
    placeNames.push(text);
    shown++;
  }
}

// ---------- selected track ----------
function select(id) {
  selected = id;
  // -Infinity: the panel fetches the detail at once (0 would wait until 3 s after the page loaded,
  // and with no new picture nothing asks again)
  detail = null; detailAt = -Infinity;
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
    if (r.ok && selected === id) { detail = await r.json(); drawPlot(); renderEvidence(); }
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
  // alts: the height's 1-sigma (a height never measured is unknown, whatever its prior)
  const altSd = r.alts == null ? "" : ` ±${fmtQ("height", r.alts)}`;
  field(dl, "altitude", r.alt === null ? "unknown"
    : `${fmtQ("height", r.alt)}${altSd}${units.name === "aviation" ? ` (FL${altLabel(r.alt)})` : ""}`);
  field(dl, "speed", r.spd === null ? "unknown" : fmtQ("speed", r.spd, units.name === "aviation" ? 0 : 1));
  field(dl, "heading", r.hdg === null ? "unknown" : `${Math.round(r.hdg)}°`);
  field(dl, "climb", r.vr === null ? "unknown" : fmtQ("vrate", r.vr, units.name === "aviation" ? 0 : 1));
  // why the picture does not believe it: the strongest evidence (radar_silent, replay_twin...)
  const why = r.itg >= 1 && r.why ? ` (${(reasons[r.why] || String(r.why)).replace(/_/g, " ")})` : "";
  field(dl, "integrity", (INTEGRITY[r.itg] || String(r.itg)) + why);
  field(dl, "position", `${r.lat.toFixed(5)}, ${r.lon.toFixed(5)}`);
  if (pictureTime && r.upd !== null) field(dl, "updated", `${Math.max(0, pictureTime - r.upd).toFixed(1)} s ago`);
  renderEvidence();
  // the evidence is refreshed every 3 s, and at once when the class it explains has changed
  const now = performance.now(), stale = detail && detail.track === selected && detail.cls !== r.cls;
  if (now - detailAt > 3000 || (stale && now - detailAt > 300)) { detailAt = now; fetchDetail(selected); }
}

// Why the class: the classifier's own log-likelihood terms (assess/classify.py explain), leading
// kind against the runner-up, in nats (e^nats times more likely); the strongest few, signed.
function renderEvidence() {
  const r = tracks.get(selected), box = $("tp-evidence");
  // only the evidence of the class shown now (a fresher one is on its way when it has changed)
  const ev = detail && detail.track === selected && r && detail.cls === r.cls ? detail.evidence : null;
  if (!ev) { box.replaceChildren(); box.hidden = true; return; }
  box.hidden = false;
  const head = document.createElement("div");
  head.className = "ev-head";
  head.textContent = `why ${ev.kind}, not ${ev.versus}: log-odds ${ev.log_odds >= 0 ? "+" : ""}${ev.log_odds.toFixed(1)}`;
  const rows = ev.factors.map((f) => {
    const li = document.createElement("li");
    li.className = f.nats >= 0 ? "for" : "against";
    li.textContent = `${f.term} ${f.nats >= 0 ? "+" : "−"}${Math.abs(f.nats).toFixed(1)}`;
    li.title = f.nats >= 0 ? `for ${ev.kind}` : `for ${ev.versus}`;
    return li;
  });
  const ul = document.createElement("ul");
  ul.append(...rows);
  box.replaceChildren(head, ul);
}

function drawPlot() {
  const cv = $("tp-plot"), g = cv.getContext("2d"), w = cv.width, h = cv.height;
  g.clearRect(0, 0, w, h);
  if (!detail || detail.history.t.length < 2) { g.fillStyle = "#6f8594"; g.fillText("history builds up…", 8, 16); return; }
  const H = detail.history, t0 = H.t[0], t1 = H.t[H.t.length - 1];
  const series = [[H.alt_m.map((v) => v === null ? null : conv("height", v)), "#4fc3f7"],
    [H.speed_mps.map((v) => v === null ? null : conv("speed", v)), "#ffb300"]];
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
    // an area alert (GNSS interference) has no track, so no class: its identity is its H3 cell
    who.textContent = `${a.identity || "T" + a.track}${a.track >= 0 ? ` · ${a.cls}` : ""} · ${a.state}`;
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
      // a track's alert zooms in on it; an area's (GNSS interference, track -1) shows its ~50 km cell
      if (a.lat !== null && a.lon !== null) map.easeTo({ center: [a.lon, a.lat], zoom: a.track >= 0 ? Math.max(map.getZoom(), 12) : 8 });
    });
    return li;
  }));
}

// ---------- sensors ----------
// a radar's estimated biases in one cell: applied ones as values, others as "estimating"
function biasText(b) {
  if (!b) return "";
  if (b.reference) return "reference";
  if (!b.applied) return b.pairs >= 1 ? "estimating" : "";
  const sg = (x, d) => (x >= 0 ? "+" : "") + x.toFixed(d);
  const v = (k) => b[`applied_${k}`] ?? b[k];  // what is taken out of its plots
  return `${sg(v("range_m"), 0)} m ${sg(v("azimuth_deg"), 2)}° ${sg(v("time_s"), 2)} s` + (b.relative ? " (relative)" : "");
}

function renderSensors() {
  showConn();
  const tb = $("sensors").querySelector("tbody");
  tb.replaceChildren(...sensors.map((s) => {
    const tr = document.createElement("tr");
    const rej = Object.values(s.rejects).reduce((a, b) => a + b, 0);
    const age = s.silent_s !== null && s.silent_s !== undefined ? `${s.silent_s.toFixed(0)} s`
      : s.last_message_s !== null && pictureTime ? `${Math.max(0, pictureTime - s.last_message_s).toFixed(0)} s` : "";
    const b = s.registration;
    const cells = [`${s.name} (${s.kind})`, s.status, s.rate_per_s.toFixed(1), String(rej), age, biasText(b)];
    cells.forEach((v, i) => {
      const td = document.createElement("td"); td.textContent = v;
      if (i === 1) td.className = `st-${s.status}`;
      if (i === 3) td.title = Object.entries(s.rejects).map(([k, n]) => `${k}: ${n}`).join("\n");
      if (i === 5 && b) {
        td.className = b.applied ? "bias-applied" : "bias-estimating";
        td.title = `range ${b.range_m.toFixed(1)} ± ${b.sigma_range_m.toFixed(1)} m\n`
          + `azimuth ${b.azimuth_deg.toFixed(3)} ± ${b.sigma_azimuth_deg.toFixed(3)}°\n`
          + `time ${b.time_s.toFixed(3)} ± ${b.sigma_time_s.toFixed(3)} s\n`
          + `${b.pairs.toFixed(0)} pairings (ADS-B, other radars) from ${b.sectors} of 8 azimuth sectors; `
          + (b.reference ? "a reference radar, taken as unbiased"
            : b.applied ? "taken out of its plots" : "not known well enough to apply yet")
          + (b.relative ? "; part of it is known only relative to the other radars (no ADS-B or reference radar): that part is not applied" : "");
      }
      tr.append(td);
    });
    return tr;
  }));
}

// ---------- layers ----------
$("gnss-toggle").addEventListener("change", (e) => showGnss(e.target.checked));

// ---------- filter ----------
$("filter").addEventListener("input", (e) => { filterText = e.target.value.trim().toLowerCase(); dirty = true; });
$("fit").addEventListener("click", () => { userMoved = false; fitView(); });

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
window.airpicture = { map, tracks, alerts, stats, select, fitView, get selected() { return selected; },
  get placeNames() { return placeNames; }, get labelLines() { return labelLines; }, get gnss() { return gnss; }, get units() { return units; },
  get detail() { return detail; } };
connect();

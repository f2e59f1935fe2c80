/* Moodify Edge page: draws the kiosk (and phone) screens from the server's snapshot and live events.
   State comes only from the server (GET /api/state, SSE /api/events); buttons call the JSON API. */
"use strict";

const boot = JSON.parse(document.getElementById("boot").textContent);
const T = boot.strings;
const EMOTIONS = boot.emotions;
const $ = (id) => document.getElementById(id);

const ui = {
  state: null,
  run: null,
  runStarted: 0,
  result: null,
  chart: null,
  pendingFrame: null,
  countdownTimer: null,
  events: null,
  player: null,
  volumeTimer: null,
};
window.moodify = ui; // for the browser tests and for debugging on the device

function format(template, values) {
  return template.replace(/\{(\w+)\}/g, (_, key) => (key in values ? values[key] : ""));
}
function label(key) {
  const e = EMOTIONS.find((x) => x.key === key);
  return e ? (boot.lang === "ko" ? e.label_ko : e.label) : key;
}
function colour(key) {
  const e = EMOTIONS.find((x) => x.key === key);
  return e ? e.colour : "#607d8b";
}
function percent(p) {
  return `${Math.round((p || 0) * 100)}%`;
}
function alpha(hex, a) {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${a})`;
}
const DARK_INK = "#1b1f24";
function luminance(hex) {
  const n = parseInt(hex.slice(1), 16);
  const linear = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
  return 0.2126 * linear((n >> 16) & 255) + 0.7152 * linear((n >> 8) & 255) + 0.0722 * linear(n & 255);
}
// White or dark text on a background, whichever has the higher WCAG contrast.
function inkOn(hex) {
  const l = luminance(hex);
  return (l + 0.05) / (luminance(DARK_INK) + 0.05) > 1.05 / (l + 0.05) ? DARK_INK : "#ffffff";
}

/* ------------------------------------------------------------------ messages */
let bannerTimer = null;
function showMessage(text, { info = false, sticky = false } = {}) {
  const banner = $("banner");
  banner.textContent = text;
  banner.classList.toggle("info", info);
  banner.hidden = false;
  clearTimeout(bannerTimer);
  if (!sticky) bannerTimer = setTimeout(() => { banner.hidden = true; }, 8000);
}
// The server's messages are English; a translation of its error code, where the page's language has one.
function errorText(code, message) {
  return (T.errors && T.errors[code]) || message || T.error;
}
function hideMessage() {
  clearTimeout(bannerTimer);
  $("banner").hidden = true;
}

/* ------------------------------------------------------------------ API */
async function api(method, path, body) {
  const options = { method, headers: { "X-CSRF-Token": boot.csrf } };
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  const response = await fetch(path, options);
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = new Error((data.error && data.error.message) || `${T.error} ${response.status}`);
    error.status = response.status;
    error.code = data.error && data.error.code;
    throw error;
  }
  return data;
}
async function act(method, path, body) {
  try {
    return await api(method, path, body);
  } catch (error) {
    if (error.code === "pairing_required") return showPairing(T.unpaired);
    showMessage(errorText(error.code, error.message));
    return null;
  }
}

/* ------------------------------------------------------------------ chart */
function makeChart() {
  const canvas = $("chart");
  ui.chart = new Chart(canvas, {
    type: "bar",
    data: {
      labels: EMOTIONS.map((e) => label(e.key)),
      datasets: [{
        data: EMOTIONS.map(() => 0),
        backgroundColor: EMOTIONS.map((e) => e.colour),
        borderColor: "rgba(0, 0, 0, 0.35)",
        borderWidth: 1,
        borderRadius: 6,
      }],
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: { duration: 0 },
      interaction: { mode: "index", intersect: false },
      scales: {
        y: { min: 0, max: 1, ticks: { callback: (v) => percent(v), color: () => chartInk() }, grid: { color: "rgba(127,127,127,.25)" } },
        x: { ticks: { color: () => chartInk(), font: { size: 13, weight: "600" } }, grid: { display: false } },
      },
      plugins: {
        legend: { display: false },
        tooltip: { enabled: false }, // #bar-details shows the tapped bar; a tooltip would cover the chart
      },
    },
  });
  // Our own listener rather than Chart.js's onClick: a tap must always select the bar under the finger.
  canvas.addEventListener("click", (event) => {
    const bars = ui.chart.getElementsAtEventForMode(event, "index", { intersect: false }, false);
    if (bars.length) showBar(bars[0].index);
  });
}
function chartInk() {
  return getComputedStyle(document.body).getPropertyValue("--card-ink").trim() || "#fff";
}
function barText(index) {
  const key = EMOTIONS[index].key;
  const r = ui.result;
  if (ui.state !== "result" || !r || !r.mean) return `${label(key)}: ${percent(ui.chart.data.datasets[0].data[index])}`;
  return format(T.bar_details, {
    label: label(key),
    mean: percent(r.mean[key]),
    n: (r.frequency && r.frequency[key]) || 0,
    total: r.frames_with_face || 0,
  });
}
function showBar(index) {
  $("bar-details").textContent = barText(index);
  $("bar-details").dataset.emotion = EMOTIONS[index].key;
}
function setBars(values, colours) {
  if (!ui.chart) return;
  const dataset = ui.chart.data.datasets[0];
  dataset.data = EMOTIONS.map((e) => (values && values[e.key]) || 0);
  if (colours) dataset.backgroundColor = colours;
  ui.chart.update("none");
}
function liveColours() {
  return EMOTIONS.map((e) => e.colour);
}
function drawPendingFrame() {
  const frame = ui.pendingFrame;
  ui.pendingFrame = null;
  if (!frame || ui.state !== "detecting") return;
  if (frame.probabilities) setBars(frame.probabilities, liveColours());
  const face = $("face");
  face.textContent = frame.face ? T.face_found : T.move_closer;
  face.classList.toggle("found", Boolean(frame.face));
  if (typeof frame.t === "number" && ui.run) ui.runStarted = performance.now() - frame.t * 1000;
}

/* ------------------------------------------------------------------ views */
function show(view) {
  for (const id of ["view-pair", "view-idle", "view-stage"]) $(id).hidden = id !== view;
}
function setTheme(key) {
  const body = document.body;
  if (key) {
    const c = colour(key);
    body.style.setProperty("--bg", c);
    body.style.setProperty("--ink", inkOn(c));
    body.classList.add("result-theme");
    body.dataset.emotion = key;
  } else {
    body.style.removeProperty("--bg");
    body.style.removeProperty("--ink");
    body.classList.remove("result-theme");
    delete body.dataset.emotion;
  }
  if (ui.chart) ui.chart.update("none");
}
function enterState(state, run) {
  ui.state = state;
  document.body.dataset.state = state;
  clearInterval(ui.countdownTimer);
  if (state === "detecting") {
    ui.run = run || ui.run;
    ui.result = null;
    ui.runStarted = performance.now();
    setTheme(null);
    show("view-stage");
    setBars(null, liveColours());
    $("face").textContent = T.waiting_camera;
    $("face").classList.remove("found");
    tickCountdown();
    ui.countdownTimer = setInterval(tickCountdown, 200);
  } else if (state === "result" && ui.result && ui.result.emotion) {
    show("view-stage");
    drawResult();
  } else {
    ui.state = "idle";
    document.body.dataset.state = "idle";
    setTheme(null);
    show("view-idle");
  }
}
function tickCountdown() {
  const seconds = (ui.run && ui.run.seconds) || 5;
  const left = Math.max(0, Math.ceil(seconds - (performance.now() - ui.runStarted) / 1000));
  $("countdown").textContent = left;
}
function drawResult() {
  const r = ui.result;
  const c = colour(r.emotion);
  setTheme(r.emotion);
  $("result-label").textContent = label(r.emotion);
  $("result-confidence").textContent = `${percent(r.confidence)} ${T.confidence}`;
  setBars(r.mean, EMOTIONS.map((e) => (e.key === r.emotion ? c : alpha(c, 0.45))));
  $("bar-details").textContent = T.tap_bar;
  delete $("bar-details").dataset.emotion;
  document.documentElement.style.setProperty("--emotion", c);
  document.documentElement.style.setProperty("--emotion-ink", inkOn(c));
}
function drawRecommendations(recs) {
  const list = $("rec-list");
  list.replaceChildren();
  if (recs && recs.notice) showMessage(`${recs.notice} ${T.offline_list}`, { info: true });
  if (!recs || !recs.tracks || !recs.tracks.length) {
    const li = document.createElement("li");
    li.className = "muted";
    li.textContent = T.no_recommendations;
    list.append(li);
    return;
  }
  for (const track of recs.tracks) {
    const li = document.createElement("li");
    li.className = "rec";
    li.append(artwork(track));
    const text = document.createElement("div");
    text.className = "rec-text";
    const title = document.createElement("div");
    title.className = "rec-title";
    title.textContent = track.title;
    const sub = document.createElement("div");
    sub.className = "rec-sub";
    sub.textContent = (track.artists || []).join(", ");
    text.append(title, sub);
    const play = document.createElement("button");
    play.type = "button";
    play.className = "play";
    play.textContent = "▶";
    play.setAttribute("aria-label", `${T.play}: ${track.title}`);
    play.addEventListener("click", () => act("POST", "/api/player/play", { uri: track.uri }));
    li.append(text, play);
    list.append(li);
  }
}
function artwork(track) {
  const art = document.createElement("div");
  art.className = "art";
  if (track && track.artwork_url) art.style.backgroundImage = `url("${encodeURI(track.artwork_url)}")`;
  else art.textContent = "♪";
  return art;
}
function drawPlayer(player) {
  ui.player = player;
  const bar = $("player");
  bar.hidden = !player || (!player.available && !player.message && !player.track);
  if (bar.hidden) return;
  $("np-title").textContent = player.track ? player.track.title : T.nothing_playing;
  $("np-sub").textContent = player.track ? (player.track.artists || []).join(", ") : (player.message || "");
  $("np-art").replaceWith(Object.assign(artwork(player.track), { id: "np-art" }));
  const toggle = $("np-toggle");
  toggle.classList.toggle("playing", Boolean(player.playing));
  toggle.setAttribute("aria-label", player.playing ? T.pause : T.resume);
  for (const id of ["np-prev", "np-toggle", "np-next", "np-volume"]) $(id).disabled = !player.available;
  if (typeof player.volume === "number" && document.activeElement !== $("np-volume")) $("np-volume").value = player.volume;
}
function drawCamera(camera) {
  const broken = camera && camera.ok === false;
  $("camera-chip").hidden = !broken;
  $("start").disabled = broken; // a run without a camera could only end in "no face seen"
  $("again").disabled = broken;
  if (broken) showMessage(`${T.camera_unavailable}: ${camera.message || ""}`, { sticky: true });
  else if ($("banner").dataset.camera) hideMessage();
  $("banner").dataset.camera = broken ? "1" : "";
  if (!broken) delete $("banner").dataset.camera;
}
function drawAccount(account) {
  const status = $("spotify-status");
  const login = $("spotify-login");
  const logout = $("spotify-logout");
  if (!account || account.backend !== "spotify" || account.configured === false) {
    status.textContent = boot.demo ? T.spotify_demo : T.spotify_not_configured;
    login.hidden = logout.hidden = true;
    return;
  }
  status.textContent = account.logged_in ? format(T.spotify_logged_in, { user: account.user || "?" }) : (account.message || T.spotify_logged_out);
  login.hidden = Boolean(account.logged_in);
  logout.hidden = !account.logged_in;
}

/* ------------------------------------------------------------------ snapshot and events */
function applySnapshot(s) {
  $("demo-badge").hidden = !s.demo;
  ui.result = s.result;
  ui.run = s.run;
  drawCamera(s.camera);
  drawRecommendations(s.recommendations);
  drawPlayer(s.player);
  drawAccount(s.account);
  enterState(s.state, s.run);
  if (s.state === "detecting" && s.frame) {
    ui.pendingFrame = s.frame;
    drawPendingFrame();
  }
}
const handlers = {
  snapshot: applySnapshot,
  state(e) {
    if (e.error) showMessage(e.error);
    if (e.state === "detecting") {
      hideMessage();
      drawRecommendations(null);
    }
    if (e.state === "idle" && e.outcome === "no_face") showMessage(T.no_face, { info: true });
    if (e.state === "idle" && e.outcome === "cancelled") showMessage(T.cancelled, { info: true });
    if (e.state !== "result") enterState(e.state, e.run);
  },
  frame(e) {
    const first = !ui.pendingFrame;
    ui.pendingFrame = e;
    if (first) requestAnimationFrame(drawPendingFrame);
  },
  result(e) {
    ui.result = e;
    if (e.emotion) enterState("result");
  },
  recommendations: drawRecommendations,
  player: drawPlayer,
  camera: drawCamera,
  account: drawAccount,
  error(e) { showMessage(errorText(e.code, e.message)); },
  pairing() { if (boot.kiosk) loadPairCode(); },
};

function connect() {
  if (ui.events) ui.events.close();
  const events = new EventSource("/api/events");
  ui.events = events;
  let lostTimer = null;
  events.onopen = () => {
    clearTimeout(lostTimer);
    if ($("banner").dataset.lost) { hideMessage(); delete $("banner").dataset.lost; }
  };
  events.onerror = () => {
    clearTimeout(lostTimer);
    lostTimer = setTimeout(() => {
      if (events.readyState === EventSource.OPEN) return;
      showMessage(T.connection_lost, { info: true, sticky: true });
      $("banner").dataset.lost = "1";
    }, 3000);
    if (events.readyState === EventSource.CLOSED) recheckPairing(); // the server refused the stream: unpaired?
  };
  for (const [type, handler] of Object.entries(handlers)) {
    events.addEventListener(type, (message) => {
      // The bus's "error" events share their name with EventSource's own connection errors (no data).
      if (typeof message.data === "string") handler(JSON.parse(message.data));
    });
  }
}
async function recheckPairing() {
  try {
    const status = await api("GET", "/api/pairing");
    if (!status.paired) return showPairing(T.unpaired);
  } catch (_error) { /* server unreachable: try again below */ }
  setTimeout(connect, 3000);
}

/* ------------------------------------------------------------------ pairing */
function showPairing(message) {
  if (ui.events) ui.events.close();
  ui.events = null;
  show("view-pair");
  $("player").hidden = true;
  document.body.dataset.state = "pairing";
  $("pair-error").textContent = message || "";
}
async function pair(code) {
  try {
    await api("POST", "/api/pairing/pair", { code });
    $("pair-error").textContent = "";
    start();
  } catch (error) {
    $("pair-error").textContent = error.message;
  }
}
async function loadPairCode() {
  const info = await act("GET", "/api/pairing/code");
  if (!info) return;
  $("pair-chip-code").textContent = info.code;
  $("pair-big-code").textContent = info.code;
  $("pair-url").textContent = info.url;
  $("pair-qr").innerHTML = info.qr_svg; // generated by the server (segno), not user input
  $("lan-off").hidden = info.lan;
}

/* ------------------------------------------------------------------ wiring */
function wire() {
  $("start").addEventListener("click", () => act("POST", "/api/trigger"));
  $("again").addEventListener("click", () => act("POST", "/api/trigger"));
  $("cancel").addEventListener("click", () => act("POST", "/api/cancel"));
  $("np-toggle").addEventListener("click", () =>
    act("POST", ui.player && ui.player.playing ? "/api/player/pause" : "/api/player/play"));
  $("np-next").addEventListener("click", () => act("POST", "/api/player/next"));
  $("np-prev").addEventListener("click", () => act("POST", "/api/player/previous"));
  $("np-volume").addEventListener("input", (event) => {
    clearTimeout(ui.volumeTimer);
    const value = Number(event.target.value);
    ui.volumeTimer = setTimeout(() => act("POST", "/api/player/volume", { percent: value }), 150);
  });
  $("pair-form").addEventListener("submit", (event) => {
    event.preventDefault();
    pair($("pair-code").value.trim());
  });
  $("open-settings").addEventListener("click", () => { $("settings").hidden = false; });
  $("close-settings").addEventListener("click", () => { $("settings").hidden = true; });
  $("settings").addEventListener("click", (event) => { if (event.target === $("settings")) $("settings").hidden = true; });
  $("spotify-login").addEventListener("click", async () => {
    const data = await act("POST", "/api/spotify/login");
    if (!data) return;
    $("spotify-finish").hidden = boot.kiosk;
    if (boot.kiosk) window.location.assign(data.url);
    else window.open(data.url, "_blank", "noopener");
  });
  $("spotify-logout").addEventListener("click", async () => {
    const account = await act("POST", "/api/spotify/logout");
    if (account) drawAccount(account);
  });
  $("spotify-finish").addEventListener("submit", async (event) => {
    event.preventDefault();
    const account = await act("POST", "/api/spotify/finish", { url: $("spotify-url").value.trim() });
    if (account) { drawAccount(account); $("spotify-finish").hidden = true; }
  });
  if (boot.kiosk) {
    $("pair-chip").addEventListener("click", () => { $("settings").hidden = false; });
    $("revoke").addEventListener("click", async () => {
      if (await act("POST", "/api/pairing/revoke")) showMessage(T.revoked, { info: true });
    });
  }
}

function start() {
  if (!ui.chart) makeChart();
  if (boot.kiosk) loadPairCode();
  connect();
}

wire();
if (boot.kiosk || boot.paired) start();
else if (/^\d{6}$/.test(boot.pair_code)) { showPairing(); pair(boot.pair_code); }
else showPairing();

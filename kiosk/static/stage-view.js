/* The kiosk's state on screen: which view shows (pairing, idle, the stage with chart and list), the
   countdown and live frames of a run (smoothed bars, the camera view), the result and its colour theme, and the camera's health. */
import { STATE } from "./contract.js";
import { alpha, colour, inkOn } from "./colours.js";
import { clearBarDetails, liveColours, redrawChart, resetSmoothing, setBars, smoothed } from "./chart-view.js";
import { setCameraProblem } from "./messages.js";
import { drawPreviewCaption, startPreview, stopPreview } from "./preview-view.js";
import { $, EMOTIONS, T, label, percent, ui } from "./page.js";

const VIEWS = ["view-pair", "view-idle", "view-stage"];

export function show(view) {
  for (const id of VIEWS) $(id).hidden = id !== view;
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
  redrawChart();
}
export function enterState(state, run) {
  ui.state = state;
  document.body.dataset.state = state;
  clearInterval(ui.countdownTimer);
  if (state !== STATE.DETECTING) stopPreview();
  if (state === STATE.DETECTING) {
    ui.run = run || ui.run;
    ui.result = null;
    ui.runStarted = performance.now();
    setTheme(null);
    show("view-stage");
    resetSmoothing();
    setBars(null, liveColours());
    clearBarDetails();
    startPreview();
    $("face").textContent = T.waiting_camera;
    $("face").classList.remove("found");
    tickCountdown();
    ui.countdownTimer = setInterval(tickCountdown, 200);
  } else if (state === STATE.RESULT && ui.result && ui.result.emotion) {
    show("view-stage");
    drawResult();
  } else {
    ui.state = STATE.IDLE;
    document.body.dataset.state = STATE.IDLE;
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
  clearBarDetails();
  document.documentElement.style.setProperty("--emotion", c);
  document.documentElement.style.setProperty("--emotion-ink", inkOn(c));
}
// Frames can come faster than the screen redraws: only the latest is drawn, once per animation frame.
export function drawPendingFrame() {
  const frame = ui.pendingFrame;
  ui.pendingFrame = null;
  if (!frame || ui.state !== STATE.DETECTING) return;
  const values = frame.probabilities ? smoothed(frame.probabilities, frame.t) : null;
  if (values) setBars(values, liveColours());
  drawPreviewCaption(values, frame.face);
  const face = $("face");
  face.textContent = frame.face ? T.face_found : T.move_closer;
  face.classList.toggle("found", Boolean(frame.face));
  if (typeof frame.t === "number" && ui.run) ui.runStarted = performance.now() - frame.t * 1000;
}
// A failed camera (not one still starting) stays on the banner, said to the owner, until it works again;
// other messages come and go over it. Start waits for the camera: a run could only end in "no face seen".
export function drawCamera(camera) {
  const broken = Boolean(camera && camera.ok === false && !camera.starting);
  $("camera-chip").hidden = !broken;
  $("start").disabled = broken;
  $("again").disabled = broken;
  setCameraProblem(broken ? camera.message || "" : null);
}

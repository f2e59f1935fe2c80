/* The kiosk's camera view during a run: the newest camera picture with the face box (GET /api/preview.jpg,
   answered to the kiosk's own browser only), fetched a few times a second and only while a run shows on a
   visible page, with the current top emotion and its (smoothed) confidence over it in the page's language.
   A refused or missing picture ([kiosk] preview off, no camera) hides the view and is retried slowly. */
import { STATE } from "./contract.js";
import { $, EMOTIONS, boot, label, percent, ui } from "./page.js";

const INTERVAL_MS = 250; // at most 4 pictures a second (the server encodes at most 5, however many ask)
const RETRY_MS = 2000;
let timer = null;
let wired = false;

function watching() {
  return boot.kiosk && ui.state === STATE.DETECTING && document.visibilityState === "visible";
}
function later(delay) {
  clearTimeout(timer);
  timer = setTimeout(load, delay);
}
function load() {
  timer = null;
  if (watching()) $("preview").src = `/api/preview.jpg?n=${Date.now()}`;
}
function showPanel(on) {
  $("preview-panel").hidden = !on;
  document.body.classList.toggle("previewing", on);
}
function wire() {
  wired = true;
  const picture = $("preview");
  picture.addEventListener("load", () => {
    if (!watching()) return;
    showPanel(true);
    later(INTERVAL_MS);
  });
  picture.addEventListener("error", () => {
    showPanel(false);
    if (watching()) later(RETRY_MS);
  });
  document.addEventListener("visibilitychange", () => (watching() ? later(0) : stopPreview()));
}
export function startPreview() {
  if (!boot.kiosk) return;
  if (!wired) wire();
  $("preview-caption").textContent = "";
  later(0);
}
export function stopPreview() {
  clearTimeout(timer);
  timer = null;
  if (!wired) return;
  showPanel(false);
  $("preview").removeAttribute("src");
}
// The top emotion of the smoothed values and its confidence; nothing while no face is seen.
export function drawPreviewCaption(values, face) {
  if (!boot.kiosk) return;
  const caption = $("preview-caption");
  if (!values || !face) {
    caption.textContent = "";
    return;
  }
  const top = EMOTIONS.reduce((best, e) => ((values[e.key] || 0) > (values[best.key] || 0) ? e : best));
  caption.textContent = `${label(top.key)} ${percent(values[top.key])}`;
  caption.dataset.emotion = top.key;
}

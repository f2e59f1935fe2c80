/* Owner mode on the page: the owner's status from the server (rendered into the page as #owner-boot, then
   /api/owner), the PIN pad on the kiosk's screen (from ⚙ or a long press on the title), the owner session's
   end (by itself, or "Lock"), visitor pairing on or off, and the confirmation dialog before what cannot be
   undone. The server enforces all of it; the page only hides what would be refused. */
import { act, api } from "./api.js";
import { errorText, showMessage } from "./messages.js";
import { $, T, boot } from "./page.js";

export const owner = JSON.parse($("owner-boot").textContent);
const LONG_PRESS_MS = 3000;
const MAX_PIN = 12;
const listeners = [];
let relockTimer = null;
let pin = "";
let afterUnlock = null;

export function onOwnerChange(callback) {
  listeners.push(callback);
}
export function drawOwner(status) {
  Object.assign(owner, status);
  document.body.classList.toggle("owner", Boolean(owner.owner));
  clearTimeout(relockTimer);
  if (boot.kiosk && owner.left > 0) relockTimer = setTimeout(refreshOwner, owner.left * 1000 + 300);
  const visitors = $("visitor-pairing");
  if (visitors) visitors.checked = Boolean(owner.visitor_pairing);
  for (const callback of listeners) callback(owner);
}
export async function refreshOwner() {
  const status = await act("GET", "/api/owner");
  if (status) drawOwner(status);
}

function node(tag, attributes = {}, text = "") {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, value);
  element.textContent = text;
  return element;
}
function overlay(id, title) {
  const box = node("div", { id, class: "overlay", hidden: "" });
  const card = node("div", { class: "card sheet narrow-sheet", role: "dialog", "aria-modal": "true" });
  if (title) card.append(node("h2", {}, title));
  box.append(card);
  document.body.append(box);
  return card;
}

// The PIN pad: digits as big buttons (no keyboard on a kiosk), shown as dots.
function buildPad() {
  const card = overlay("owner-pad", T.owner_title);
  card.append(node("p", { class: "hint" }, T.owner_hint), node("p", { id: "pin-dots", class: "big-code" }));
  const keys = node("div", { class: "pin-keys" });
  for (const key of ["1", "2", "3", "4", "5", "6", "7", "8", "9", "⌫", "0", "OK"]) {
    const label = key === "⌫" ? T.pin_delete : key === "OK" ? T.owner_unlock : key;
    const button = node("button", { type: "button", class: key === "OK" ? "primary" : "secondary", "aria-label": label }, key === "OK" ? label : key);
    button.addEventListener("click", () => pressKey(key));
    keys.append(button);
  }
  const cancel = node("button", { type: "button", class: "secondary", id: "pin-cancel" }, T.cancel);
  cancel.addEventListener("click", closePad);
  card.append(keys, node("p", { id: "pin-error", class: "error-text", role: "alert" }), cancel);
}
function drawPin() {
  $("pin-dots").textContent = "•".repeat(pin.length) || "\u00a0";
}
function pressKey(key) {
  if (key === "OK") return unlock();
  pin = key === "⌫" ? pin.slice(0, -1) : (pin + key).slice(0, MAX_PIN);
  drawPin();
}
function closePad() {
  $("owner-pad").hidden = true;
  pin = "";
  afterUnlock = null;
}
async function unlock() {
  try {
    drawOwner(await api("POST", "/api/owner/unlock", { pin }));
    const then = afterUnlock;
    closePad();
    if (then) then();
  } catch (error) {
    $("pin-error").textContent = errorText(error.code, error.message);
    pin = "";
    drawPin();
  }
}
export function openPad(then) {
  if (!owner.pin) return showMessage(T.owner_phone_only, { info: true });
  afterUnlock = then || null;
  pin = "";
  drawPin();
  $("pin-error").textContent = "";
  $("owner-pad").hidden = false;
}
// Run ``action`` as the owner: now, or once the PIN pad unlocked the kiosk.
export function asOwner(action) {
  if (owner.owner) action();
  else openPad(action);
}

// A confirmation in the page (no browser dialog on a kiosk): resolves true for "Yes".
export function confirmed(text) {
  if (!$("confirm")) {
    const card = overlay("confirm");
    const row = node("div", { class: "row" });
    row.append(node("button", { type: "button", class: "primary", id: "confirm-yes" }, T.confirm_yes));
    row.append(node("button", { type: "button", class: "secondary", id: "confirm-no" }, T.confirm_no));
    card.append(node("p", { id: "confirm-text" }), row);
  }
  $("confirm-text").textContent = text;
  $("confirm").hidden = false;
  return new Promise((resolve) => {
    const answer = (yes) => () => {
      $("confirm").hidden = true;
      $("confirm-yes").onclick = $("confirm-no").onclick = null;
      resolve(yes);
    };
    $("confirm-yes").onclick = answer(true);
    $("confirm-no").onclick = answer(false);
  });
}

function wireLongPress(target, action) {
  let timer = null;
  const stop = () => clearTimeout(timer);
  target.addEventListener("pointerdown", () => { stop(); timer = setTimeout(action, LONG_PRESS_MS); });
  for (const type of ["pointerup", "pointerleave", "pointercancel"]) target.addEventListener(type, stop);
  target.addEventListener("contextmenu", (event) => event.preventDefault()); // a long touch is no right click
}
export function wireOwner(openSettings) {
  drawOwner(owner);
  if (!boot.kiosk) return;
  buildPad();
  wireLongPress(document.querySelector(".brand"), () => asOwner(openSettings));
  $("owner-lock").addEventListener("click", async () => {
    const status = await act("POST", "/api/owner/lock");
    if (status) drawOwner(status);
  });
  if (!$("visitor-pairing")) return; // phones cannot reach the kiosk: no pairing at all
  $("visitor-pairing").addEventListener("change", async (event) => {
    const status = await act("POST", "/api/owner/visitor-pairing", { on: event.target.checked });
    if (status) drawOwner(status);
    else event.target.checked = !event.target.checked;
  });
}

/* Messages: the banner at the top of the page, the standing camera problem it falls back to, the
   "connection lost" overlay, and the text for an error code in the page's language. */
import { ERROR } from "./contract.js";
import { $, T, boot } from "./page.js";

const LOST_AFTER_MS = 3000; // the overlay shows this long after the connection failed (within 5 s)
let bannerTimer = null;
let standing = null; // the camera problem: shown whenever no other message is

function setBanner(text, info) {
  const banner = $("banner");
  banner.textContent = text;
  banner.classList.toggle("info", info);
  banner.hidden = false;
}
export function showMessage(text, { info = false, sticky = false } = {}) {
  setBanner(text, info);
  clearTimeout(bannerTimer);
  if (!sticky) bannerTimer = setTimeout(hideMessage, 8000);
}
// Hides the banner, or goes back to the standing problem while there is one.
export function hideMessage() {
  clearTimeout(bannerTimer);
  if (standing) setBanner(standing, false);
  else $("banner").hidden = true;
}
// The camera has failed (``detail``: what the server says, shown on an English page), or works again (null).
export function setCameraProblem(detail) {
  const was = standing;
  standing = detail === null ? null : cameraText(detail);
  if (standing) setBanner(standing, false);
  else if (was && $("banner").textContent === was) hideMessage();
}
function cameraText(detail) {
  return boot.lang === "en" && detail ? `${T.camera_owner} (${detail})` : T.camera_owner;
}

// What to say for an error: the server's own message on an English page (it is English, and it says the
// specifics: how long to wait, which speaker), else the text for its code (contract.js ERROR) in the page's
// language; i18n.json has one for every code. The camera speaks to the owner in the page's language.
export function errorText(code, message) {
  if (code === ERROR.CAMERA_UNAVAILABLE) return cameraText(boot.lang === "en" ? message : "");
  if (boot.lang === "en" && message) return message;
  return (T.errors && T.errors[code]) || message || T.error;
}

// The connection to the service: ``connectionLost()`` on each failure shows the overlay after
// LOST_AFTER_MS unless ``connectionBack()`` comes first; repeated failures never restart the wait.
let lostTimer = null;
export function connectionLost({ now = false } = {}) {
  if (now) return showOffline();
  if (lostTimer === null && $("offline").hidden) lostTimer = setTimeout(showOffline, LOST_AFTER_MS);
}
export function connectionBack() {
  clearTimeout(lostTimer);
  lostTimer = null;
  $("offline").hidden = true;
  document.body.removeAttribute("data-offline");
}
function showOffline() {
  clearTimeout(lostTimer);
  lostTimer = null;
  $("offline").hidden = false;
  document.body.dataset.offline = "1";
}

/* Messages: the banner at the top of the page, and the text for an error code in the page's language. */
import { $, T, boot } from "./page.js";

let bannerTimer = null;

export function showMessage(text, { info = false, sticky = false } = {}) {
  const banner = $("banner");
  banner.textContent = text;
  banner.classList.toggle("info", info);
  banner.hidden = false;
  clearTimeout(bannerTimer);
  if (!sticky) bannerTimer = setTimeout(() => { banner.hidden = true; }, 8000);
}
export function hideMessage() {
  clearTimeout(bannerTimer);
  $("banner").hidden = true;
}
// What to say for an error: the server's own message on an English page (it is English, and it says the
// specifics: how long to wait, which speaker), else the text for its code (contract.js ERROR) in the page's
// language; i18n.json has one for every code.
export function errorText(code, message) {
  if (boot.lang === "en" && message) return message;
  return (T.errors && T.errors[code]) || message || T.error;
}

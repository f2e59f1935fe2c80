/* Messages: the banner at the top of the page, and the text for an error code in the page's language. */
import { $, T } from "./page.js";

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
// The text for an error code (contract.js ERROR) in the page's language; i18n.json has one for every code.
// ``fallback`` (the server's English message) only for an answer without a known code.
export function errorText(code, fallback) {
  return (T.errors && T.errors[code]) || fallback || T.error;
}

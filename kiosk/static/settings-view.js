/* The settings panel: opening and closing it, and the Spotify account (status, log in, log out, and on a
   phone pasting the address the login ended on). */
import { BACKEND } from "./contract.js";
import { act } from "./api.js";
import { $, T, boot, format } from "./page.js";

export function drawAccount(account) {
  const status = $("spotify-status");
  const login = $("spotify-login");
  const logout = $("spotify-logout");
  if (!account || account.backend !== BACKEND.SPOTIFY || account.configured === false) {
    status.textContent = boot.demo ? T.spotify_demo : T.spotify_not_configured;
    login.hidden = logout.hidden = true;
    return;
  }
  status.textContent = account.logged_in ? format(T.spotify_logged_in, { user: account.user || "?" }) : (account.message || T.spotify_logged_out);
  login.hidden = Boolean(account.logged_in);
  logout.hidden = !account.logged_in;
}
export function wireSettings() {
  const settings = $("settings");
  $("open-settings").addEventListener("click", () => { settings.hidden = false; });
  $("close-settings").addEventListener("click", () => { settings.hidden = true; });
  settings.addEventListener("click", (event) => { if (event.target === settings) settings.hidden = true; });
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
}

/* The settings panel: opening and closing it (on the kiosk's screen only for the owner: ⚙ asks for the PIN),
   and the Spotify account: its status for everyone paired; log in and log out for the owner only. The kiosk
   logs in in a window of its own that closes again when the login came back, or after a timeout (with no
   internet the kiosk page itself never leaves); a phone pastes the address the login ended on. */
import { BACKEND } from "./contract.js";
import { act } from "./api.js";
import { showMessage } from "./messages.js";
import { $, T, boot, format, ui } from "./page.js";
import { asOwner, confirmed, onOwnerChange, owner, wireOwner } from "./owner-view.js";

const LOGIN_WINDOW = "moodify-login";
const LOGIN_CHECK_MS = 500;
ui.loginTimeoutMs = 180000; // a login window still open after three minutes is closed (the tests shorten it)
let account = null;

export function drawAccount(next) {
  account = next || account;
  const status = $("spotify-status");
  const login = $("spotify-login");
  const logout = $("spotify-logout");
  login.hidden = logout.hidden = true;
  if (!account || account.backend !== BACKEND.SPOTIFY || account.configured === false) {
    status.textContent = boot.demo ? T.spotify_demo : T.spotify_not_configured;
    return;
  }
  status.textContent = account.logged_in ? format(T.spotify_logged_in, { user: account.user || "?" }) : (account.message || T.spotify_logged_out);
  if (!owner.owner) return;
  login.hidden = Boolean(account.logged_in);
  logout.hidden = !account.logged_in;
}
async function refreshAccount() {
  const status = await act("GET", "/api/spotify/status");
  if (status) drawAccount(status);
}
// The kiosk's login window: closed once it is back on the kiosk's page (the login ended), or after the timeout.
function loginOnKiosk(url) {
  const popup = window.open(url, LOGIN_WINDOW, "popup");
  if (!popup) return;
  const started = Date.now();
  const timer = setInterval(() => {
    let back = false;
    try {
      back = popup.location.origin === location.origin && popup.location.pathname === "/";
    } catch (_error) { /* still at Spotify: another origin */ }
    const late = Date.now() - started > ui.loginTimeoutMs;
    if (!(popup.closed || back || late)) return;
    clearInterval(timer);
    if (!popup.closed) popup.close();
    if (late && !back) showMessage(T.spotify_login_timeout);
    refreshAccount();
  }, LOGIN_CHECK_MS);
}
export function wireSettings() {
  const settings = $("settings");
  const open = () => { settings.hidden = false; };
  wireOwner(open);
  onOwnerChange(() => {
    drawAccount(null);
    if (boot.kiosk && !owner.owner && !owner.visitor_pairing) settings.hidden = true; // the owner session ended
  });
  $("open-settings").addEventListener("click", () => (boot.kiosk ? asOwner(open) : open()));
  $("close-settings").addEventListener("click", () => { settings.hidden = true; });
  settings.addEventListener("click", (event) => { if (event.target === settings) settings.hidden = true; });
  $("spotify-login").addEventListener("click", async () => {
    const data = await act("POST", "/api/spotify/login");
    if (!data) return;
    $("spotify-finish").hidden = boot.kiosk;
    if (boot.kiosk) loginOnKiosk(data.url);
    else window.open(data.url, "_blank", "noopener");
  });
  $("spotify-logout").addEventListener("click", async () => {
    if (!(await confirmed(T.confirm_logout))) return;
    const next = await act("POST", "/api/spotify/logout");
    if (next) drawAccount(next);
  });
  $("spotify-finish").addEventListener("submit", async (event) => {
    event.preventDefault();
    const next = await act("POST", "/api/spotify/finish", { url: $("spotify-url").value.trim() });
    if (next) { drawAccount(next); $("spotify-finish").hidden = true; }
  });
}

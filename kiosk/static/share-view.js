/* Take the music home, and the visitor's goal: the goal used for the list ("Matching your mood" / "Lifting your
   mood"), and on the kiosk's result screen the QR code of the result's short-lived share page (GET /api/share:
   the kiosk's LAN address, never loopback; nothing while phones cannot reach the kiosk). The idle screen's two
   goal buttons start a run with {"goal": "match" | "lift"}. With [share] playlist on Spotify, the owner (the
   button is owner-only; the server checks too) saves the list on screen as a private playlist. */
import { act, api } from "./api.js";
import { showMessage } from "./messages.js";
import { $, T, boot, format } from "./page.js";

let shown = null; // the recommendations whose share is drawn (a late answer for an older list is dropped)

function hideShare() {
  const box = $("share-box");
  if (box) box.hidden = true;
}

export async function drawShare(recs) {
  shown = recs;
  const goal = $("rec-goal");
  goal.textContent = recs && recs.policy ? T[`goal_used_${recs.policy}`] || "" : "";
  goal.hidden = !goal.textContent;
  hideShare();
  const save = $("share-playlist");
  if (save) {
    save.hidden = !recs || !(recs.tracks || []).some((t) => t.uri.startsWith("spotify:track:"));
    save.disabled = false;
  }
  if (!boot.kiosk || !recs || !recs.tracks || !recs.tracks.length || !$("share-box")) return;
  const share = await api("GET", "/api/share").catch(() => null);
  if (shown !== recs || !share || !share.lan || !share.qr_svg) return;
  $("share-qr").innerHTML = share.qr_svg; // segno's SVG from our own server
  $("share-url").textContent = share.url;
  $("share-box").hidden = false;
}

async function savePlaylist() {
  const button = $("share-playlist");
  button.disabled = true;
  const saved = await act("POST", "/api/share/playlist");
  if (saved) showMessage(format(T.share_playlist_saved, { name: saved.name }), { info: true });
  else button.disabled = false;
}

export function wireGoals() {
  for (const goal of ["match", "lift"]) {
    $(`goal-${goal}`).addEventListener("click", () => act("POST", "/api/trigger", { goal }));
  }
  $("share-playlist")?.addEventListener("click", savePlaylist);
}

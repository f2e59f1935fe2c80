/* Take the music home, and the visitor's goal: the goal used for the list ("Matching your mood" / "Lifting your
   mood"), and on the kiosk's result screen the QR code of the result's short-lived share page (GET /api/share:
   the kiosk's LAN address, never loopback; nothing while phones cannot reach the kiosk). The idle screen's two
   goal buttons start a run with {"goal": "match" | "lift"}. */
import { act, api } from "./api.js";
import { $, T, boot } from "./page.js";

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
  if (!boot.kiosk || !recs || !recs.tracks || !recs.tracks.length || !$("share-box")) return;
  const share = await api("GET", "/api/share").catch(() => null);
  if (shown !== recs || !share || !share.lan || !share.qr_svg) return;
  $("share-qr").innerHTML = share.qr_svg; // segno's SVG from our own server
  $("share-url").textContent = share.url;
  $("share-box").hidden = false;
}

export function wireGoals() {
  for (const goal of ["match", "lift"]) {
    $(`goal-${goal}`).addEventListener("click", () => act("POST", "/api/trigger", { goal }));
  }
}

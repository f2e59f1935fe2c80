/* Music on screen: the recommended tracks with their play buttons, and the player bar at the bottom
   (now playing, previous / play-pause / next, volume). */
import { act } from "./api.js";
import { showMessage } from "./messages.js";
import { $, T, ui } from "./page.js";

const PLAYER_CONTROLS = ["np-prev", "np-toggle", "np-next", "np-volume"];

function artwork(track) {
  const art = document.createElement("div");
  art.className = "art";
  if (track && track.artwork_url) art.style.backgroundImage = `url("${encodeURI(track.artwork_url)}")`;
  else art.textContent = "♪";
  return art;
}
function element(tag, className, text) {
  const node = document.createElement(tag);
  node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}
function trackItem(track) {
  const li = element("li", "rec");
  li.append(artwork(track));
  const text = element("div", "rec-text");
  text.append(element("div", "rec-title", track.title), element("div", "rec-sub", (track.artists || []).join(", ")));
  const play = element("button", "play", "▶");
  play.type = "button";
  play.setAttribute("aria-label", `${T.play}: ${track.title}`);
  play.addEventListener("click", () => act("POST", "/api/player/play", { uri: track.uri }));
  li.append(text, play);
  return li;
}
export function drawRecommendations(recs) {
  const list = $("rec-list");
  list.replaceChildren();
  if (recs && recs.notice) showMessage(`${recs.notice} ${T.offline_list}`, { info: true });
  if (!recs || !recs.tracks || !recs.tracks.length) {
    list.append(element("li", "muted", T.no_recommendations));
    return;
  }
  list.append(...recs.tracks.map(trackItem));
}
export function drawPlayer(player) {
  ui.player = player;
  const bar = $("player");
  bar.hidden = !player || (!player.available && !player.message && !player.track);
  if (bar.hidden) return;
  $("np-title").textContent = player.track ? player.track.title : T.nothing_playing;
  $("np-sub").textContent = player.track ? (player.track.artists || []).join(", ") : (player.message || "");
  $("np-art").replaceWith(Object.assign(artwork(player.track), { id: "np-art" }));
  const toggle = $("np-toggle");
  toggle.classList.toggle("playing", Boolean(player.playing));
  toggle.setAttribute("aria-label", player.playing ? T.pause : T.resume);
  for (const id of PLAYER_CONTROLS) $(id).disabled = !player.available;
  if (typeof player.volume === "number" && document.activeElement !== $("np-volume")) $("np-volume").value = player.volume;
}
export function wirePlayer() {
  $("np-toggle").addEventListener("click", () =>
    act("POST", ui.player && ui.player.playing ? "/api/player/pause" : "/api/player/play"));
  $("np-next").addEventListener("click", () => act("POST", "/api/player/next"));
  $("np-prev").addEventListener("click", () => act("POST", "/api/player/previous"));
  $("np-volume").addEventListener("input", (event) => {
    clearTimeout(ui.volumeTimer);
    const value = Number(event.target.value);
    ui.volumeTimer = setTimeout(() => act("POST", "/api/player/volume", { percent: value }), 150);
  });
}

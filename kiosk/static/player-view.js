/* Music on screen: the recommended tracks with their play buttons (the playing one marked, its ▶ a ⏸), and
   the player bar at the bottom (now playing, previous / play-pause / next, volume). A backend that cannot
   play aloud (the offline catalogue: demo mode, or Spotify not set up) is said so on the bar instead. */
import { act } from "./api.js";
import { showMessage } from "./messages.js";
import { $, T, format, ui } from "./page.js";

let silent = false; // the music backend lists songs but plays nothing aloud

// The music account (snapshot, account events): the offline backend has no sound.
export function setMusicAccount(account) {
  silent = Boolean(account && account.backend === "offline");
  document.body.classList.toggle("silent-player", silent);
  if (ui.player) drawPlayer(ui.player);
}

const PLAYER_CONTROLS = ["np-prev", "np-toggle", "np-next", "np-volume"];
const PLAY_PAUSE_ICON = '<svg viewBox="0 0 24 24" aria-hidden="true"><path class="icon-play" d="M7 4v16l13-8z"/>'
  + '<path class="icon-pause" d="M6 4h4v16H6zm8 0h4v16h-4z"/></svg>';

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
  const play = element("button", "play");
  play.type = "button";
  play.innerHTML = PLAY_PAUSE_ICON; // drawn, not a font's ⏸ (the Pi's fonts lack it)
  play.addEventListener("click", () =>
    (li.classList.contains("playing") ? act("POST", "/api/player/pause") : act("POST", "/api/player/play", { uri: track.uri })));
  li.dataset.uri = track.uri;
  li.append(text, play);
  markTrack(li, false);
  return li;
}
function markTrack(li, playing) {
  const title = li.querySelector(".rec-title").textContent;
  li.classList.toggle("playing", playing);
  li.querySelector(".play").classList.toggle("playing", playing); // ▶ becomes ⏸ (app.css)
  li.querySelector(".play").setAttribute("aria-label", `${playing ? T.pause : T.play}: ${title}`);
  if (playing) li.setAttribute("aria-current", "true");
  else li.removeAttribute("aria-current");
}
// The list follows the player: the track it plays is marked; every other one offers ▶.
function markPlaying() {
  const player = ui.player;
  const uri = player && player.playing && player.track ? player.track.uri : null;
  for (const li of $("rec-list").querySelectorAll(".rec")) markTrack(li, li.dataset.uri === uri);
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
  markPlaying();
}
export function drawPlayer(player) {
  ui.player = player;
  const bar = $("player");
  bar.hidden = !player || (!player.available && !player.message && !player.track);
  markPlaying();
  if (bar.hidden) return;
  bar.classList.toggle("silent", silent);
  if (silent) { // in the page's language, never the server's English notice; no pause as if it played
    $("np-title").textContent = T.silent_title;
    $("np-sub").textContent = player.track && player.playing ? format(T.silent_selected, { title: player.track.title }) : T.silent_hint;
  } else {
    $("np-title").textContent = player.track ? player.track.title : T.nothing_playing;
    $("np-sub").textContent = player.track ? (player.track.artists || []).join(", ") : (player.message || "");
  }
  $("np-art").replaceWith(Object.assign(artwork(silent ? null : player.track), { id: "np-art" }));
  const toggle = $("np-toggle");
  toggle.classList.toggle("playing", Boolean(player.playing));
  toggle.setAttribute("aria-label", player.playing ? T.pause : T.resume);
  for (const id of PLAYER_CONTROLS) $(id).disabled = !player.available || silent; // hidden when silent (app.css)
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

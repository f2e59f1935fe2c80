/* Moodify Edge page: draws the kiosk (and phone) screens from the server's snapshot and live events.
   State comes only from the server (the snapshot, then Server-Sent Events from /api/events); buttons call
   the JSON API. Every event type in contract.js EVENT has a handler here (a browser test checks). */
import { ERROR, EVENT, OUTCOME, STATE } from "./contract.js";
import { act, api, onError, onPairingRequired } from "./api.js";
import { makeChart } from "./chart-view.js";
import { connectionBack, connectionLost, errorText, hideMessage, showMessage } from "./messages.js";
import { $, T, boot, ui } from "./page.js";
import { drawAlarm, loadPairCode, pair, showPairing, wirePairing } from "./pairing-view.js";
import { drawPlayer, drawRecommendations, setMusicAccount, wirePlayer } from "./player-view.js";
import { drawAccount, wireSettings } from "./settings-view.js";
import { drawShare, wireGoals } from "./share-view.js";
import { wireJournal } from "./journal-view.js";
import { drawCamera, drawPendingFrame, enterState } from "./stage-view.js";

const RUN_END_MESSAGES = { [OUTCOME.NO_FACE]: T.no_face, [OUTCOME.CANCELLED]: T.cancelled };

function applySnapshot(s) {
  $("demo-badge").hidden = !s.demo;
  ui.result = s.result;
  ui.run = s.run;
  drawCamera(s.camera);
  setMusicAccount(s.account);
  drawRecommendations(s.recommendations);
  drawShare(s.recommendations);
  drawPlayer(s.player);
  drawAccount(s.account);
  enterState(s.state, s.run);
  if (s.state === STATE.DETECTING && s.frame) {
    ui.pendingFrame = s.frame;
    drawPendingFrame();
  }
}

const handlers = {
  [EVENT.SNAPSHOT]: applySnapshot,
  [EVENT.STATE](e) {
    if (e.error) showMessage(errorText(ERROR.DETECTION_FAILED, e.error));
    if (e.state === STATE.DETECTING) {
      hideMessage();
      drawRecommendations(null);
      drawShare(null);
    }
    if (e.state === STATE.IDLE && RUN_END_MESSAGES[e.outcome]) showMessage(RUN_END_MESSAGES[e.outcome], { info: true });
    if (e.state !== STATE.RESULT) enterState(e.state, e.run);
  },
  [EVENT.FRAME](e) {
    const first = !ui.pendingFrame;
    ui.pendingFrame = e;
    if (first) requestAnimationFrame(drawPendingFrame);
  },
  [EVENT.RESULT](e) {
    ui.result = e;
    if (e.emotion) enterState(STATE.RESULT);
  },
  [EVENT.RECOMMENDATIONS](e) { drawRecommendations(e); drawShare(e); },
  [EVENT.PLAYER]: drawPlayer,
  [EVENT.CAMERA]: drawCamera,
  [EVENT.ACCOUNT](e) { setMusicAccount(e); drawAccount(e); },
  [EVENT.ERROR](e) { showMessage(errorText(e.code, e.message)); },
  [EVENT.PAIRING]() { if (boot.kiosk) loadPairCode(); },
  [EVENT.PAIRING_ALARM]: drawAlarm,
};
ui.handlers = handlers;
window.moodify = ui; // for the browser tests and for debugging on the device

function connect() {
  if (ui.events) ui.events.close();
  const events = new EventSource("/api/events");
  ui.events = events;
  events.onopen = connectionBack; // the snapshot that follows redraws everything
  events.onerror = () => {
    connectionLost(); // the overlay comes within 5 s, however often the browser retries meanwhile
    if (events.readyState === EventSource.CLOSED) recheckPairing(); // the server refused the stream: unpaired?
  };
  for (const [type, handler] of Object.entries(handlers)) {
    events.addEventListener(type, (message) => {
      // The bus's "error" events share their name with EventSource's own connection errors (no data).
      if (typeof message.data === "string") handler(JSON.parse(message.data));
    });
  }
}
async function recheckPairing() {
  try {
    const status = await api("GET", "/api/pairing");
    if (!status.paired) { connectionBack(); return showPairing(T.unpaired); } // reachable, only unpaired
  } catch (_error) { /* server unreachable: try again below */ }
  setTimeout(connect, 3000);
}

// A trigger refused for the camera (the page may not have heard yet): the camera's own state, said to the owner.
async function refusedForCamera() {
  drawCamera({ ok: false });
  const state = await api("GET", "/api/state").catch(() => null);
  if (state && state.camera && state.camera.ok === false) drawCamera(state.camera);
}

function wire() {
  $("start").addEventListener("click", () => act("POST", "/api/trigger"));
  $("again").addEventListener("click", () => act("POST", "/api/trigger"));
  $("cancel").addEventListener("click", () => act("POST", "/api/cancel"));
  wireGoals();
  wireJournal();
  wirePlayer();
  wirePairing(start);
  wireSettings();
  onPairingRequired(() => showPairing(T.unpaired));
  onError(ERROR.CAMERA_UNAVAILABLE, refusedForCamera);
}

function start() {
  if (!ui.chart) makeChart();  // the pairing code was loaded when the owner controls were drawn (wire())
  connect();
}

wire();
if (boot.kiosk || boot.paired) start();
else if (/^\d{6}$/.test(boot.pair_code)) { showPairing(); pair(boot.pair_code).then((paired) => paired && start()); }
else showPairing();

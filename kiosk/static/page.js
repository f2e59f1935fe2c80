/* What the server rendered into the page (language, strings, emotions, CSRF token, kiosk or phone), the
   page's shared state (also window.moodify), and small text helpers. */

export const boot = JSON.parse(document.getElementById("boot").textContent);
export const T = boot.strings;
export const EMOTIONS = boot.emotions;
export const $ = (id) => document.getElementById(id);

// The page's state, drawn from the server's snapshot and events; the browser tests read it as window.moodify.
export const ui = {
  state: null,
  run: null,
  runStarted: 0,
  result: null,
  chart: null,
  pendingFrame: null,
  countdownTimer: null,
  events: null,
  player: null,
  volumeTimer: null,
  handlers: null,
};

export function format(template, values) {
  return template.replace(/\{(\w+)\}/g, (_, key) => (key in values ? values[key] : ""));
}
export function label(key) {
  const e = EMOTIONS.find((x) => x.key === key);
  return e ? (boot.lang === "ko" ? e.label_ko : e.label) : key;
}
export function percent(p) {
  return `${Math.round((p || 0) * 100)}%`;
}

/* The mood journal for the owner (only when [journal] enabled; the server refuses anyone else): today by hour
   and the last seven days as stacked bar charts, a CSV export, and erasing it all after a confirmation. */
import { act } from "./api.js";
import { showMessage } from "./messages.js";
import { confirmed } from "./owner-view.js";
import { $, EMOTIONS, T, label } from "./page.js";

const charts = {};

function drawChart(id, data) {
  const datasets = EMOTIONS.map((e) => ({
    label: label(e.key), data: data.counts[e.key], backgroundColor: e.colour, stack: "runs",
  }));
  if (charts[id]) charts[id].destroy();
  charts[id] = new window.Chart($(id), {
    type: "bar",
    data: { labels: data.labels, datasets },
    options: {
      animation: false, responsive: true, maintainAspectRatio: false,
      scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } },
      plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } },
    },
  });
}

const sum = (values) => values.reduce((a, b) => a + b, 0);

// Today's count per emotion in words (what the day's chart shows, for reading and for screen readers).
function drawToday(day) {
  const box = $("journal-today");
  const counted = EMOTIONS.map((e) => [e.key, sum(day.counts[e.key])]).filter(([, n]) => n > 0);
  if (!counted.length) {
    box.replaceChildren(Object.assign(document.createElement("p"), { textContent: T.journal_today_none }));
    return;
  }
  const list = document.createElement("ul");
  for (const [key, n] of counted) {
    const item = Object.assign(document.createElement("li"), { textContent: `${label(key)}: ${n}` });
    item.dataset.emotion = key;
    list.append(item);
  }
  box.replaceChildren(list);
}

function drawJournal(journal) {
  if (!journal) return;
  $("journal-charts").hidden = false;
  drawChart("journal-day", journal.day);
  drawChart("journal-week", journal.week);
  drawToday(journal.day);
  const total = (data) => sum(Object.values(data.counts).flat());
  Object.assign($("journal-charts").dataset, { day: total(journal.day), week: total(journal.week) });
}

export function wireJournal() {
  if (!$("journal-box")) return;
  $("journal-show").addEventListener("click", async () => drawJournal(await act("GET", "/api/journal")));
  $("journal-erase").addEventListener("click", async () => {
    if (!(await confirmed(T.journal_erase_confirm))) return;
    const journal = await act("POST", "/api/journal/erase");
    if (journal) {
      drawJournal(journal);
      showMessage(T.journal_erased, { info: true });
    }
  });
}

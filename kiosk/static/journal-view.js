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

function drawJournal(journal) {
  if (!journal) return;
  $("journal-charts").hidden = false;
  drawChart("journal-day", journal.day);
  drawChart("journal-week", journal.week);
  const total = (data) => Object.values(data.counts).flat().reduce((a, b) => a + b, 0);
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

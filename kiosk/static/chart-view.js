/* The emotion chart (Chart.js, loaded as a classic script that defines the global ``Chart``): live bars
   during a run, the mean per emotion for a result, and the details of a tapped bar. */
import { STATE } from "./contract.js";
import { $, EMOTIONS, T, format, label, percent, ui } from "./page.js";

export function makeChart() {
  const canvas = $("chart");
  ui.chart = new Chart(canvas, {
    type: "bar",
    data: {
      labels: EMOTIONS.map((e) => label(e.key)),
      datasets: [{
        data: EMOTIONS.map(() => 0),
        backgroundColor: EMOTIONS.map((e) => e.colour),
        borderColor: "rgba(0, 0, 0, 0.35)",
        borderWidth: 1,
        borderRadius: 6,
      }],
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: { duration: 0 },
      interaction: { mode: "index", intersect: false },
      scales: {
        y: { min: 0, max: 1, ticks: { callback: (v) => percent(v), color: () => chartInk() }, grid: { color: "rgba(127,127,127,.25)" } },
        x: { ticks: { color: () => chartInk(), font: { size: 13, weight: "600" } }, grid: { display: false } },
      },
      plugins: {
        legend: { display: false },
        tooltip: { enabled: false }, // #bar-details shows the tapped bar; a tooltip would cover the chart
      },
    },
  });
  // Our own listener rather than Chart.js's onClick: a tap must always select the bar under the finger.
  canvas.addEventListener("click", (event) => {
    const bars = ui.chart.getElementsAtEventForMode(event, "index", { intersect: false }, false);
    if (bars.length) showBar(bars[0].index);
  });
}
function chartInk() {
  return getComputedStyle(document.body).getPropertyValue("--card-ink").trim() || "#fff";
}
function barText(index) {
  const key = EMOTIONS[index].key;
  const r = ui.result;
  if (ui.state !== STATE.RESULT || !r || !r.mean) return `${label(key)}: ${percent(ui.chart.data.datasets[0].data[index])}`;
  return format(T.bar_details, {
    label: label(key),
    mean: percent(r.mean[key]),
    n: (r.frequency && r.frequency[key]) || 0,
    total: r.frames_with_face || 0,
  });
}
function showBar(index) {
  $("bar-details").textContent = barText(index);
  $("bar-details").dataset.emotion = EMOTIONS[index].key;
}
export function clearBarDetails() {
  $("bar-details").textContent = T.tap_bar;
  delete $("bar-details").dataset.emotion;
}
export function setBars(values, colours) {
  if (!ui.chart) return;
  const dataset = ui.chart.data.datasets[0];
  dataset.data = EMOTIONS.map((e) => (values && values[e.key]) || 0);
  if (colours) dataset.backgroundColor = colours;
  ui.chart.update("none");
}
export function liveColours() {
  return EMOTIONS.map((e) => e.colour);
}
export function redrawChart() {
  if (ui.chart) ui.chart.update("none");
}

/* The emotion chart (Chart.js, loaded as a classic script that defines the global ``Chart``): live bars
   during a run, the mean per emotion for a result, and the details of a tapped bar. Horizontal bars with
   upright labels sized from the chart's own height (readable at arm's length on 800×480, larger on big
   screens); a tap anywhere on a bar's row, its label included, selects and outlines it; #chart-values is the
   text alternative with every value. The live bars are smoothed (smoothed()). */
import { STATE } from "./contract.js";
import { $, EMOTIONS, T, format, label, percent, ui } from "./page.js";

const ROWS = EMOTIONS.length;
let selected = -1;
let valuesWritten = 0;

// Label size from the height of one row: at least 16 px, growing with the screen up to 30 px.
function labelSize(chart) {
  return Math.round(Math.max(16, Math.min(30, (chart.height / ROWS) * 0.5)));
}
export function makeChart() {
  const canvas = $("chart");
  ui.chart = new Chart(canvas, {
    type: "bar",
    data: {
      labels: EMOTIONS.map((e) => label(e.key)),
      datasets: [{
        data: EMOTIONS.map(() => 0),
        backgroundColor: EMOTIONS.map((e) => e.colour),
        borderColor: (ctx) => (ctx.dataIndex === selected ? chartInk() : "rgba(0, 0, 0, 0.35)"),
        borderWidth: (ctx) => (ctx.dataIndex === selected ? 4 : 1),
        borderSkipped: false,
        borderRadius: 6,
        barPercentage: 0.8,
        categoryPercentage: 0.9,
      }],
    },
    options: {
      indexAxis: "y",
      responsive: true,
      maintainAspectRatio: false,
      animation: { duration: 0 },
      interaction: { mode: "index", axis: "y", intersect: false },
      scales: {
        x: {
          min: 0, max: 1,
          ticks: { callback: (v) => percent(v), color: () => chartInk(), maxTicksLimit: 5, maxRotation: 0,
            font: (ctx) => ({ size: Math.max(13, labelSize(ctx.chart) - 4) }) },
          grid: { color: "rgba(127,127,127,.25)" },
        },
        y: {
          ticks: { color: () => chartInk(), autoSkip: false, maxRotation: 0, minRotation: 0,
            font: (ctx) => ({ size: labelSize(ctx.chart), weight: ctx.index === selected ? "800" : "600" }) },
          grid: { display: false },
        },
      },
      plugins: {
        legend: { display: false },
        tooltip: { enabled: false }, // #bar-details shows the tapped bar; a tooltip would cover the chart
      },
    },
  });
  // Our own listener rather than Chart.js's onClick: a tap anywhere on a row (bar, empty track or label)
  // selects that row's emotion.
  canvas.addEventListener("click", (event) => {
    const index = rowAt(event.offsetY);
    if (index >= 0) showBar(index);
  });
}
function rowAt(y) {
  const chart = ui.chart, area = chart.chartArea;
  if (!area || y < area.top || y > area.bottom) return -1;
  return Math.min(ROWS - 1, Math.max(0, Math.round(chart.scales.y.getValueForPixel(y))));
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
  selected = index;
  $("bar-details").textContent = barText(index);
  $("bar-details").dataset.emotion = EMOTIONS[index].key;
  ui.chart.update("none");
}
export function clearBarDetails() {
  selected = -1;
  $("bar-details").textContent = T.tap_bar;
  delete $("bar-details").dataset.emotion;
  redrawChart();
}
// The text alternative: every emotion with its value (during a run at most once a second).
function writeValues(values) {
  if (ui.state === STATE.DETECTING && performance.now() - valuesWritten < 1000) return;
  valuesWritten = performance.now();
  $("chart-values-list").replaceChildren(...EMOTIONS.map((e, i) => {
    const li = document.createElement("li");
    li.textContent = `${label(e.key)}: ${percent(values[i])}`;
    return li;
  }));
}
export function setBars(values, colours) {
  if (!ui.chart) return;
  const dataset = ui.chart.data.datasets[0];
  dataset.data = EMOTIONS.map((e) => (values && values[e.key]) || 0);
  if (colours) dataset.backgroundColor = colours;
  ui.chart.update("none");
  writeValues(dataset.data);
}
// The live bars follow an exponential moving average of the frames (time constant SMOOTH_SECONDS of run
// time), so one odd frame does not make them jump; frames skipped between two redraws still count by their time.
const SMOOTH_SECONDS = 0.6;
let smooth = null;
export function resetSmoothing() {
  smooth = null;
}
export function smoothed(probabilities, t) {
  const time = typeof t === "number" ? t : 0;
  if (!smooth || time < smooth.t) {
    smooth = { t: time, values: { ...probabilities } };
  } else {
    const k = 1 - Math.exp(-(time - smooth.t) / SMOOTH_SECONDS);
    for (const e of EMOTIONS) {
      const now = smooth.values[e.key] || 0;
      smooth.values[e.key] = now + k * ((probabilities[e.key] || 0) - now);
    }
    smooth.t = time;
  }
  return { ...smooth.values };
}
export function liveColours() {
  return EMOTIONS.map((e) => e.colour);
}
export function redrawChart() {
  if (ui.chart) ui.chart.update("none");
}

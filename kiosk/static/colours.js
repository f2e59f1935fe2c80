/* Colours: each emotion's colour, translucent variants, and readable text on a coloured background. */
import { EMOTIONS } from "./page.js";

const DARK_INK = "#1b1f24";

export function colour(key) {
  const e = EMOTIONS.find((x) => x.key === key);
  return e ? e.colour : "#607d8b";
}
export function alpha(hex, a) {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${a})`;
}
function luminance(hex) {
  const n = parseInt(hex.slice(1), 16);
  const linear = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
  return 0.2126 * linear((n >> 16) & 255) + 0.7152 * linear((n >> 8) & 255) + 0.0722 * linear(n & 255);
}
// White or dark text on a background, whichever has the higher WCAG contrast.
export function inkOn(hex) {
  const l = luminance(hex);
  return (l + 0.05) / (luminance(DARK_INK) + 0.05) > 1.05 / (l + 0.05) ? DARK_INK : "#ffffff";
}

/**
 * A hand-written SVG strip-and-box plot of time distributions (no dependency): one row per series,
 * one dot per sample (e.g. one node's `member-failed` after a SIGKILL), a box from the 25th to the
 * 75th percentile, a line at the median and whiskers to the extremes.
 */
import { summarize } from './stats.js';

/** One row of the plot. */
export interface Series {
  readonly label: string;
  /** Samples in seconds. */
  readonly values: readonly number[];
  readonly color: string;
}

const W = 820;
const LEFT = 250;
const RIGHT = 30;
const TOP = 58;
const ROW = 54;
const BOTTOM = 46;

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A "nice" tick step for an axis of length `max`. */
function tickStep(max: number): number {
  const raw = max / 8;
  const pow = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * pow >= raw) return m * pow;
  return 10 * pow;
}

/** Deterministic jitter in [-1, 1] for the i-th dot (so a re-render is identical). */
function jitter(i: number): number {
  const x = Math.sin(i * 12.9898 + 78.233) * 43758.5453;
  return (x - Math.floor(x)) * 2 - 1;
}

/** The SVG document. */
export function stripPlotSvg(title: string, subtitle: string, series: readonly Series[], unit = 's'): string {
  const all = series.flatMap((s) => s.values);
  const maxV = all.length === 0 ? 1 : Math.max(...all);
  const step = tickStep(maxV > 0 ? maxV : 1);
  // Headroom so the largest dot and its label do not sit on the edge.
  const axisMax = Math.ceil(((maxV > 0 ? maxV : 1) * 1.04) / step) * step;
  const H = TOP + ROW * Math.max(1, series.length) + BOTTOM;
  const x = (v: number): number => LEFT + ((W - LEFT - RIGHT) * v) / axisMax;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="12" y="20" font-size="15" font-weight="bold">${esc(title)}</text>`,
    `<text x="12" y="38" fill="#555">${esc(subtitle)}</text>`,
  );
  // Grid and axis.
  const axisY = TOP + ROW * Math.max(1, series.length);
  for (let v = 0; v <= axisMax + 1e-9; v += step) {
    const xv = x(v).toFixed(1);
    out.push(`<line x1="${xv}" y1="${TOP}" x2="${xv}" y2="${axisY}" stroke="#e5e5e5"/>`);
    const label = Number.isInteger(step) ? v.toFixed(0) : v.toFixed(step < 1 ? 2 : 1);
    out.push(`<text x="${xv}" y="${axisY + 16}" text-anchor="middle" fill="#333">${label}</text>`);
  }
  out.push(
    `<line x1="${LEFT}" y1="${axisY}" x2="${W - RIGHT}" y2="${axisY}" stroke="#333"/>`,
    `<text x="${(LEFT + W - RIGHT) / 2}" y="${axisY + 36}" text-anchor="middle" fill="#333">${esc(unit)}</text>`,
  );
  series.forEach((s, row) => {
    const cy = TOP + ROW * row + ROW / 2;
    const sum = summarize(s.values);
    const label = `${s.label} (n=${s.values.length})`;
    out.push(`<text x="${LEFT - 10}" y="${cy + 4}" text-anchor="end">${esc(label)}</text>`);
    if (sum === null) {
      out.push(`<text x="${LEFT + 6}" y="${cy + 4}" fill="#999">no data</text>`);
      return;
    }
    const h = ROW * 0.5;
    out.push(
      `<line x1="${x(sum.min).toFixed(1)}" y1="${cy}" x2="${x(sum.max).toFixed(1)}" y2="${cy}" stroke="${s.color}" stroke-width="1.2"/>`,
      `<rect x="${x(sum.p25).toFixed(1)}" y="${(cy - h / 2).toFixed(1)}" width="${Math.max(1, x(sum.p75) - x(sum.p25)).toFixed(1)}" height="${h.toFixed(1)}" fill="${s.color}" fill-opacity="0.18" stroke="${s.color}"/>`,
      `<line x1="${x(sum.median).toFixed(1)}" y1="${(cy - h / 2).toFixed(1)}" x2="${x(sum.median).toFixed(1)}" y2="${(cy + h / 2).toFixed(1)}" stroke="${s.color}" stroke-width="2.5"/>`,
    );
    s.values.forEach((v, i) => {
      const cyj = cy + jitter(i + row * 1000) * h * 0.45;
      out.push(
        `<circle cx="${x(v).toFixed(1)}" cy="${cyj.toFixed(1)}" r="2.6" fill="${s.color}" fill-opacity="0.65"/>`,
      );
    });
    const nearRight = x(sum.median) > W - RIGHT - 90;
    out.push(
      `<text x="${(x(sum.median) + (nearRight ? -4 : 4)).toFixed(1)}" y="${(cy - h / 2 - 3).toFixed(1)}" text-anchor="${nearRight ? 'end' : 'start'}" fill="${s.color}" font-size="11">median ${sum.median.toFixed(2)}</text>`,
    );
  });
  out.push('</svg>', '');
  return out.join('\n');
}

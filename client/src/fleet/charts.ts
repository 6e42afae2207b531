/**
 * The fleet view's three small charts, drawn as SVG built here: no chart library, nothing inline
 * the Content-Security-Policy would refuse (colours come from classes in fleet.css), and no text
 * from the wire becomes markup (textContent only). Each chart carries its totals as data-*
 * attributes, for people's tools and the browser tests alike.
 */
import { type Distribution, type LatenessMinute, OUTCOMES, seconds, type SignInMinute, type Trends } from './stats';

const SVG = 'http://www.w3.org/2000/svg';
const W = 360;
const H = 140;
const PAD = { left: 40, right: 6, top: 10, bottom: 18 };

type Attrs = Record<string, string | number>;

function s(tag: string, attrs: Attrs = {}, text?: string): SVGElement {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

function frame(label: string): SVGSVGElement {
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': label }) as SVGSVGElement;
  svg.append(s('title', {}, label));
  return svg;
}

/** A "nice" top for the y axis: 1, 2, 5, 10, 20, 50, … at least `max`. */
function niceMax(max: number): number {
  if (max <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(max));
  return [1, 2, 5, 10].map((m) => m * p).find((v) => v >= max) ?? 10 * p;
}

function axes(svg: SVGElement, top: string, left: string, right: string): void {
  const bottom = H - PAD.bottom;
  svg.append(
    s('line', { class: 'axis', x1: PAD.left, y1: bottom, x2: W - PAD.right, y2: bottom }),
    s('line', { class: 'grid', x1: PAD.left, y1: PAD.top, x2: W - PAD.right, y2: PAD.top }),
    s('text', { class: 'tick', x: PAD.left - 4, y: PAD.top + 4, 'text-anchor': 'end' }, top),
    s('text', { class: 'tick', x: PAD.left - 4, y: bottom, 'text-anchor': 'end' }, '0'),
    s('text', { class: 'tick', x: PAD.left, y: H - 4 }, left),
    s('text', { class: 'tick', x: W - PAD.right, y: H - 4, 'text-anchor': 'end' }, right),
  );
}

const plotW = W - PAD.left - PAD.right;
const plotH = H - PAD.top - PAD.bottom;

/** Sign-ins per minute over the last hour, stacked by outcome. */
export function signInsChart(minutes: SignInMinute[]): SVGSVGElement {
  const totals = minutes.map((m) => OUTCOMES.reduce((n, o) => n + m.outcomes[o], 0));
  const top = niceMax(Math.max(0, ...totals));
  const svg = frame('Sign-ins per minute by outcome, last hour');
  axes(svg, String(top), `−${minutes.length} min`, 'now');
  const slot = plotW / Math.max(1, minutes.length);
  minutes.forEach((m, i) => {
    let y = H - PAD.bottom;
    for (const o of OUTCOMES) {
      const n = m.outcomes[o];
      if (n === 0) continue;
      const h = (n / top) * plotH;
      y -= h;
      const bar = s('rect', { class: `bar o-${o}`, x: PAD.left + i * slot + 0.5, y, width: Math.max(1, slot - 1), height: h });
      bar.append(s('title', {}, `${new Date(m.at).toLocaleTimeString()}: ${n} ${o}`));
      svg.append(bar);
    }
  });
  return svg;
}

/** Upper bounds, short enough for a dozen side by side: "5s", "90s", "5m", ">10m". */
function bucketLabel(le: number | null, previous: number | null): string {
  const short = (v: number) => (v >= 120 ? `${v / 60}m` : `${v}s`);
  return le === null ? `>${short(previous ?? 0)}` : short(le);
}

/** How long people took to approve, over the last hour, as a histogram. */
export function approveChart(d: Distribution): SVGSVGElement {
  const top = niceMax(Math.max(0, ...d.buckets.map((b) => b.count)));
  const svg = frame('Time to approve, last hour');
  const buckets = d.buckets.length > 0 ? d.buckets : [{ le: null, count: 0 }];
  axes(svg, String(top), '', '');
  const slot = plotW / buckets.length;
  buckets.forEach((b, i) => {
    const h = (b.count / top) * plotH;
    const x = PAD.left + i * slot;
    const label = bucketLabel(b.le, buckets[i - 1]?.le ?? null);
    const bar = s('rect', { class: 'bar approve', x: x + 1, y: H - PAD.bottom - h, width: Math.max(1, slot - 2), height: h });
    bar.append(s('title', {}, `${b.le === null ? label : `≤${label}`}: ${b.count}`));
    svg.append(bar);
    // Every other bound is labelled: a dozen labels side by side would touch.
    if (i % 2 === 0 || i === buckets.length - 1) {
      svg.append(s('text', { class: 'tick', x: x + slot / 2, y: H - 4, 'text-anchor': 'middle' }, label));
    }
  });
  return svg;
}

/** Poll lateness per minute (p50 and p99 lines) over the last hour. */
export function latenessChart(minutes: LatenessMinute[]): SVGSVGElement {
  const top = niceMax(Math.max(0, ...minutes.map((m) => m.p99 ?? 0)));
  const svg = frame('Poll lateness per minute (p50, p99), last hour');
  axes(svg, seconds(top), `−${minutes.length} min`, 'now');
  const slot = plotW / Math.max(1, minutes.length);
  const line = (pick: (m: LatenessMinute) => number | null, cls: string) => {
    const points = minutes.flatMap((m, i) => {
      const v = pick(m);
      return v === null ? [] : [`${(PAD.left + (i + 0.5) * slot).toFixed(1)},${(H - PAD.bottom - (v / top) * plotH).toFixed(1)}`];
    });
    if (points.length === 0) return;
    // A lone minute still shows as a dot.
    svg.append(
      points.length === 1 ? dot(points[0] ?? '0,0', cls) : s('polyline', { class: `line ${cls}`, points: points.join(' ') }),
    );
  };
  line((m) => m.p99, 'p99');
  line((m) => m.p50, 'p50');
  return svg;
}

function dot(point: string, cls: string): SVGElement {
  const [cx = '0', cy = '0'] = point.split(',');
  return s('circle', { class: `dot ${cls}`, cx, cy, r: 2.5 });
}

/** Puts the three charts and their one-line summaries into the page. */
export function renderCharts(trends: Trends): void {
  const endedHour = trends.signIns.reduce((n, m) => n + OUTCOMES.reduce((k, o) => k + m.outcomes[o], 0), 0);
  const byOutcome = Object.fromEntries(OUTCOMES.map((o) => [o, trends.signIns.reduce((n, m) => n + m.outcomes[o], 0)]));
  const signins = document.getElementById('chart-signins')!;
  signins.dataset.total = String(endedHour);
  for (const o of OUTCOMES) signins.dataset[o] = String(byOutcome[o] ?? 0);
  signins.querySelector('.plot')!.replaceChildren(signInsChart(trends.signIns));
  signins.querySelector('.summary')!.textContent = OUTCOMES.map((o) => `${byOutcome[o] ?? 0} ${o}`).join(' · ');

  const approve = document.getElementById('chart-approve')!;
  const tta = trends.timeToApprove;
  approve.dataset.count = String(tta.count);
  approve.querySelector('.plot')!.replaceChildren(approveChart(tta));
  approve.querySelector('.summary')!.textContent =
    tta.count === 0
      ? 'no approvals in the last hour'
      : `median ${seconds(tta.p50)} · p90 ${seconds(tta.p90)} · ${tta.count} approved`;

  const late = document.getElementById('chart-lateness')!;
  const all = trends.latenessOverall;
  late.dataset.polls = String(all.count);
  late.querySelector('.plot')!.replaceChildren(latenessChart(trends.lateness));
  late.querySelector('.summary')!.textContent =
    all.count === 0 ? 'no polls in the last hour' : `p50 ${seconds(all.p50)} · p99 ${seconds(all.p99)} · ${all.count} polls`;
}

// The chart of a `pnpm bench` run (docs/bench-chart.svg), drawn from the run's own figures: grouped horizontal bars
// with their values printed on them. Plain SVG written here: three panels of bars need no chart library.
// Panels: the widget's page without and with Parlor (main-thread figures), the client's latencies against their
// targets, and the bundle sizes against their targets and limits. A panel whose benchmark produced nothing is left out.

const WIDTH = 920;
const LABEL_W = 300; // the measure names, left of the bars
const BAR_W = 520; // the longest bar (the axis maximum)
const BAR_H = 16;
const GAP = 3; // between the bars of one group
const GROUP_GAP = 14;
const FONT = 'system-ui, -apple-system, Segoe UI, Roboto, sans-serif';
// Bar colours, each at least 4.5:1 against the white background; text is near-black.
const COLOURS = { base: '#6b7280', parlor: '#1d4ed8', target: '#15803d', limit: '#9a3412' };

/**
 * @typedef {{ id: string, label: string, value: number, text: string, colour: string }} Bar
 * @typedef {{ label: string, bars: Bar[] }} Group
 * @typedef {{ title: string, axis: string, legend: [string, string][], groups: Group[], note?: string[] }} Panel
 */

const escape = (/** @type {string} */ s) =>
  s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
const round = (/** @type {number} */ v) => Math.round(v * 10) / 10;

/** A step of 1, 2 or 5 × 10^k giving about five ticks up to `max`. */
function niceStep(/** @type {number} */ max) {
  const raw = max / 5;
  const power = 10 ** Math.floor(Math.log10(raw));
  return ([1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? raw) || 1;
}

/** The panels this run can draw, from the benchmarks' figures (by bench name). */
function panels(/** @type {Record<string, any>} */ figures) {
  /** @type {Panel[]} */
  const out = [];
  const ms = (/** @type {number} */ v) => `${v.toFixed(0)} ms`;
  const widget = figures.widget;
  if (widget) {
    const w = widget.without;
    const p = widget.with;
    const pair = (/** @type {string} */ key, /** @type {string} */ label) => ({
      label,
      bars: [
        { id: `widget.${key}.without`, label: 'without', value: w[key], text: ms(w[key]), colour: COLOURS.base },
        { id: `widget.${key}.with`, label: 'with', value: p[key], text: ms(p[key]), colour: COLOURS.parlor },
      ],
    });
    const legend = /** @type {[string, string][]} */ ([
      ['page without Parlor', COLOURS.base],
      ['page with Parlor', COLOURS.parlor],
    ]);
    const runs = `CPU ×${widget.throttle}, medians of ${widget.runs.with} runs`;
    out.push({
      title: `Widget: the same page without and with Parlor (${runs})`,
      axis: 'milliseconds from navigation start; shorter is better',
      legend,
      groups: [
        pair('fcp', 'first contentful paint'),
        pair('load', 'load event end'),
        pair('taskMs', 'main-thread task time'),
        {
          label: 'launcher visible',
          bars: [
            {
              id: 'widget.launcherAt',
              label: 'with',
              value: widget.launcherAt,
              text: ms(widget.launcherAt),
              colour: COLOURS.parlor,
            },
          ],
        },
      ],
    });
    const own = pair('ownScriptMs', "Parlor's own script time");
    own.bars.push({
      id: 'widget.ownScriptMs.target',
      label: 'target',
      value: 15,
      text: '≤ 15 ms',
      colour: COLOURS.target,
    });
    out.push({
      title: 'Widget: script and blocking time before interaction',
      axis: 'milliseconds on the main thread before interaction; shorter is better',
      legend: [...legend, ['target (at ×4)', COLOURS.target]],
      groups: [pair('scriptMs', 'script time, whole page'), own, pair('blocking', 'total blocking time')],
      note: [
        `Long tasks ${w.longTasks} → ${p.longTasks}; layout shift ${w.cls.toFixed(4)} → ${p.cls.toFixed(4)}; ` +
          `JS heap after GC ${(w.heap / 2 ** 20).toFixed(2)} → ${(p.heap / 2 ** 20).toFixed(2)} MB.`,
        `Before interaction Parlor fetches ${(widget.wireBytes / 1024).toFixed(1)} KB of script (parlor.js, ` +
          'uncompressed), opens no socket and creates no database.',
      ],
    });
  }
  const client = figures.client;
  if (client?.sendAck && client?.reconnect) {
    const pair = (/** @type {string} */ id, /** @type {string} */ label, /** @type {number} */ v, target = NaN) => ({
      label,
      bars: [
        { id: `client.${id}`, label: 'measured', value: v, text: `${v.toFixed(1)} ms`, colour: COLOURS.parlor },
        { id: `client.${id}.target`, label: 'target', value: target, text: `≤ ${target} ms`, colour: COLOURS.target },
      ],
    });
    out.push({
      title: 'Client: latency against its targets',
      axis: 'milliseconds; shorter is better',
      legend: [
        ['measured', COLOURS.parlor],
        ['target', COLOURS.target],
      ],
      groups: [
        pair('sendAck.p50', 'send → ack, p50', client.sendAck.p50, 2),
        pair('sendAck.p99', 'send → ack, p99', client.sendAck.p99, 5),
        pair('reconnect.p50', 'reconnect → resumed, p50', client.reconnect.p50, 20),
        pair('reconnect.p99', 'reconnect → resumed, p99', client.reconnect.p99, 50),
      ],
    });
  }
  const size = figures.size;
  if (size?.entries?.length) {
    const kb = (/** @type {number} */ v) => `${(v / 1024).toFixed(1)} KB`;
    out.push({
      title: 'Bundle sizes against their targets and limits (gzip)',
      axis: 'KB gzip (level 9); a limit fails CI, a target is the goal',
      legend: [
        ['measured', COLOURS.parlor],
        ['target', COLOURS.target],
        ['limit', COLOURS.limit],
      ],
      groups: size.entries.map((/** @type {any} */ e, /** @type {number} */ i) => ({
        label: String(e.name)
          .replace(/^cdn: everything once the panel is open.*/, 'CDN, everything once open')
          .replace(/ \(.*\)$/, '')
          .replace(/^(cdn|shopify): /, ''),
        bars: [
          { id: `size.${i}`, label: 'measured', value: e.bytes / 1024, text: kb(e.bytes), colour: COLOURS.parlor },
          ...(e.target === undefined
            ? []
            : [
                {
                  id: `size.${i}.target`,
                  label: 'target',
                  value: e.target / 1024,
                  text: kb(e.target),
                  colour: COLOURS.target,
                },
              ]),
          ...(e.limit === null
            ? []
            : [
                {
                  id: `size.${i}.limit`,
                  label: 'limit',
                  value: e.limit / 1024,
                  text: kb(e.limit),
                  colour: COLOURS.limit,
                },
              ]),
        ],
      })),
    });
  }
  return out;
}

/** One panel at `top`: title, legend, grid with ticks, groups of bars with values, axis label, note. */
function drawPanel(/** @type {Panel} */ panel, /** @type {number} */ top) {
  const parts = [];
  const values = panel.groups.flatMap((g) => g.bars.map((b) => b.value)).filter((v) => Number.isFinite(v));
  const step = niceStep(Math.max(1, ...values) * 1.18); // room for the value printed after the longest bar
  const max = Math.ceil((Math.max(1, ...values) * 1.18) / step) * step;
  const x = (/** @type {number} */ v) => LABEL_W + (Math.max(0, v) / max) * BAR_W;
  let y = top;
  parts.push(
    `<text x="20" y="${y + 18}" font-size="17" font-weight="600" fill="#111827">${escape(panel.title)}</text>`,
  );
  y += 30;
  let lx = LABEL_W;
  for (const [name, colour] of panel.legend) {
    parts.push(`<rect x="${lx}" y="${y}" width="12" height="12" fill="${colour}"/>`);
    parts.push(`<text x="${lx + 17}" y="${y + 11}" font-size="13" fill="#1f2937">${escape(name)}</text>`);
    lx += 34 + name.length * 7.2;
  }
  y += 24;
  const gridTop = y;
  const height = panel.groups.reduce((h, g) => h + g.bars.length * (BAR_H + GAP) - GAP + GROUP_GAP, -GROUP_GAP);
  for (let t = 0; t <= max + step / 1000; t += step) {
    const tx = round(x(t));
    parts.push(`<line x1="${tx}" y1="${gridTop - 4}" x2="${tx}" y2="${gridTop + height + 4}" stroke="#e5e7eb"/>`);
    const label = step < 1 ? t.toFixed(1) : String(round(t));
    parts.push(
      `<text x="${tx}" y="${gridTop + height + 20}" font-size="12" text-anchor="middle" fill="#374151">${label}</text>`,
    );
  }
  for (const group of panel.groups) {
    const groupHeight = group.bars.length * (BAR_H + GAP) - GAP;
    parts.push(
      `<text x="${LABEL_W - 10}" y="${round(y + groupHeight / 2 + 5)}" font-size="14" text-anchor="end" fill="#111827">${escape(group.label)}</text>`,
    );
    for (const bar of group.bars) {
      const width = Number.isFinite(bar.value) ? round(x(bar.value) - LABEL_W) : 0;
      const text = Number.isFinite(bar.value) ? bar.text : 'n/a';
      parts.push(
        `<rect data-figure="${escape(bar.id)}" x="${LABEL_W}" y="${y}" width="${width}" height="${BAR_H}" fill="${bar.colour}">` +
          `<title>${escape(`${group.label}, ${bar.label}: ${text}`)}</title></rect>`,
      );
      parts.push(
        `<text data-value="${escape(bar.id)}" x="${round(LABEL_W + width + 6)}" y="${y + 12.5}" font-size="12.5" fill="#111827">${escape(text)}</text>`,
      );
      y += BAR_H + GAP;
    }
    y += GROUP_GAP - GAP;
  }
  y = gridTop + height + 38;
  parts.push(
    `<text x="${LABEL_W + BAR_W / 2}" y="${y}" font-size="13" text-anchor="middle" fill="#374151">${escape(panel.axis)}</text>`,
  );
  for (const line of panel.note ?? []) {
    y += 20;
    parts.push(`<text x="20" y="${y}" font-size="13" fill="#1f2937">${escape(line)}</text>`);
  }
  return { svg: parts.join('\n'), bottom: y + 34 };
}

/**
 * The chart of a run as SVG text, and the id of every bar drawn (`data-figure`), so a check can count them.
 * @param {Record<string, any>} figures the `figures` of each benchmark's report, by bench name
 * @param {{ date: string, machine: string }} about
 */
export function chartSvg(figures, { date, machine }) {
  const drawn = panels(figures);
  const body = [];
  let y = 62;
  for (const panel of drawn) {
    const { svg, bottom } = drawPanel(panel, y);
    body.push(svg);
    y = bottom;
  }
  const height = Math.ceil(y);
  const title = `Parlor benchmarks, run of ${date}`;
  const summary = drawn.map((p) => p.title).join('; ');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${escape(`${title}: ${summary}`)}" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="${FONT}">
<title>${escape(`${title}: ${summary}`)}</title>
<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>
<text x="20" y="30" font-size="20" font-weight="700" fill="#111827">${escape(title)}</text>
<text x="20" y="50" font-size="13" fill="#374151">${escape(machine)}</text>
${body.join('\n')}
</svg>
`;
  return { svg, bars: drawn.flatMap((p) => p.groups.flatMap((g) => g.bars.map((b) => b.id))) };
}

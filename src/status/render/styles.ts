/** One theme's colours; styles.test.ts checks every text/background pair against WCAG AA. */
export interface Palette {
  readonly bg: string;
  readonly surface: string;
  readonly border: string;
  readonly fg: string;
  readonly muted: string;
  readonly link: string;
  readonly focus: string;
  readonly ok: string;
  readonly minor: string;
  readonly major: string;
  readonly critical: string;
  readonly maint: string;
  readonly info: string;
  readonly nodata: string;
  /** Text on a banner filled with a tone colour. */
  readonly onTone: string;
}

// GitHub Primer's functional colours, which are tuned for AA on these backgrounds.
export const palettes: { readonly light: Palette; readonly dark: Palette } = {
  light: {
    bg: '#ffffff',
    surface: '#f6f8fa',
    border: '#d1d9e0',
    fg: '#1f2328',
    muted: '#59636e',
    link: '#0969da',
    focus: '#0969da',
    ok: '#1a7f37',
    minor: '#8a5d00',
    major: '#bc4c00',
    critical: '#cf222e',
    maint: '#8250df',
    info: '#59636e',
    nodata: '#818b98',
    onTone: '#ffffff',
  },
  dark: {
    bg: '#0d1117',
    surface: '#151b23',
    border: '#3d444d',
    fg: '#f0f6fc',
    muted: '#9198a1',
    link: '#4493f8',
    focus: '#4493f8',
    ok: '#3fb950',
    minor: '#d29922',
    major: '#db6d28',
    critical: '#f85149',
    maint: '#ab7df8',
    info: '#9198a1',
    nodata: '#656c76',
    onTone: '#0d1117',
  },
};

const customProperties = (palette: Palette): string =>
  Object.entries(palette)
    .map(([name, colour]) => `--${name}:${colour}`)
    .join(';');

const tones = ['ok', 'minor', 'major', 'critical', 'maint', 'info'] as const;

// Bar classes (uptime-bars.ts): none = up, g = degraded, p = partial outage, d = major outage, m = not counted
// (maintenance or paused), n = no data.
// "No data" is a thinner bar as well as a grey one, so it differs from up/down by shape, not colour alone.
const rules = `
:root{${customProperties(palettes.light)}}
@media (prefers-color-scheme:dark){:root{${customProperties(palettes.dark)}}}
${tones.map((tone) => `.${tone}{--t:var(--${tone})}`).join('')}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
a{color:var(--link)}
:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
main:focus{outline:none}
.wrap{max-width:56rem;margin:0 auto;padding:0 1rem}
.skip{position:absolute;left:-9999px}
.skip:focus{left:1rem;top:1rem;background:var(--bg);padding:.5rem;z-index:1}
.vh{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap}
header{border-bottom:1px solid var(--border)}
header .wrap{display:flex;flex-wrap:wrap;align-items:center;justify-content:space-between;gap:.5rem}
header h1,.site{font-size:1.5rem;margin:.75rem 0;font-weight:700}
.site a{color:var(--fg);text-decoration:none}
nav ul{list-style:none;display:flex;flex-wrap:wrap;gap:1rem;margin:0;padding:0}
nav [aria-current]{color:var(--fg);font-weight:700}
footer{border-top:1px solid var(--border);margin-top:2rem;color:var(--muted);font-size:.875rem}
h2{font-size:1.25rem;margin:2rem 0 .75rem}
h3{font-size:1.0625rem;margin:0}
ul.plain,ol.tl{list-style:none;margin:0;padding:0}
.muted{color:var(--muted)}
.tag{color:var(--t);font-weight:600}
.banner{background:var(--t);color:var(--onTone);font-size:1.25rem;font-weight:700;padding:1rem;border-radius:.5rem;margin:1.5rem 0}
.card{background:var(--surface);border:1px solid var(--border);border-left:.375rem solid var(--t,var(--border));border-radius:.5rem;padding:1rem;margin:0 0 1rem}
.meta{margin:.25rem 0;color:var(--muted)}
.tl li{border-top:1px solid var(--border);padding:.75rem 0 0;margin:.75rem 0 0}
.md p{margin:.25rem 0}
.md pre{overflow-x:auto}
.c{border-bottom:1px solid var(--border);padding:.75rem 0}
.c .row{display:flex;flex-wrap:wrap;justify-content:space-between;gap:.5rem}
.c .name{font-weight:600}
.grp>section>.row{padding:.75rem 0 0}
.grp ul{margin-left:1rem}
.bars{display:block;width:100%;height:2rem;margin:.5rem 0 .25rem}
.bars path{stroke:var(--ok);stroke-width:24;stroke-dasharray:2 1}
.bars .g{stroke:var(--minor)}.bars .p{stroke:var(--major)}.bars .d{stroke:var(--critical)}
.bars .n{stroke:var(--nodata);stroke-width:8}
.bars .m{stroke:var(--maint);stroke-width:8}
.spark{width:6rem;height:1.5rem;vertical-align:middle}
.spark polyline,.chart polyline{fill:none;stroke:var(--link);stroke-width:2;vector-effect:non-scaling-stroke}
.chart{display:block;width:100%;height:auto}
.chart text{fill:var(--muted);font-size:12px}
.chart line{stroke:var(--border)}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
caption{text-align:left;color:var(--muted);padding:.5rem 0}
th,td{text-align:left;padding:.25rem .5rem;border-bottom:1px solid var(--border);vertical-align:top}
.num{text-align:right}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}
dl.facts dd{margin:0}
.pager{display:flex;justify-content:space-between;margin:2rem 0}
input,button{font:inherit;color:var(--fg);background:var(--bg);border:1px solid var(--muted);border-radius:.375rem;padding:.5rem}
button{background:var(--link);border-color:var(--link);color:var(--bg);font-weight:600;cursor:pointer}
fieldset{border:1px solid var(--border);border-radius:.5rem;margin:1rem 0}
.form label{display:block;margin:.25rem 0}
.error{color:var(--critical);font-weight:600}
`;

/** The whole stylesheet, inlined in every page: no external resources. */
export const styles = rules.trim().replace(/\n/g, '');

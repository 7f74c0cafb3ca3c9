// The dark theme's tokens, used by `theme="dark"` and by `theme="auto"` on a dark system.
const dark = /* css */ `
--parlor-accent: #a5a5ff;
--parlor-on-accent: #101014;
--parlor-surface: #1b1b1f;
--parlor-surface-alt: #2b2b33;
--parlor-text: #f2f2f5;
--parlor-muted: #b9b9c4;
--parlor-border: #4a4a56;
--parlor-danger: #ffb4ab;
color-scheme: dark;
`;

/**
 * The launcher's shadow styles and the theme tokens, as plain CSS text: the eager element must not pull in Lit.
 *
 * Tokens are set on `:host`, so a page overrides any of them with an ordinary rule on the element
 * (`parlor-chat { --parlor-accent: #0a7 }`): outer rules beat `:host`, no `!important` needed. The lazy panel
 * sits inside this shadow root and inherits them.
 */
export const shellCss = /* css */ `
:host {
  --parlor-accent: #3b3bd4;
  --parlor-on-accent: #ffffff;
  --parlor-surface: #ffffff;
  --parlor-surface-alt: #f1f1f5;
  --parlor-text: #1b1b1f;
  --parlor-muted: #55555f;
  --parlor-border: #c9c9d3;
  --parlor-danger: #b3261e;
  --parlor-radius: 16px;
  --parlor-font: system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif;
  --parlor-shadow: 0 8px 32px rgb(0 0 0 / 0.18);
  --parlor-z-index: 2147483000;
  --parlor-offset-x: 20px;
  --parlor-offset-y: 20px;
  --parlor-launcher-size: 56px;
  --parlor-panel-width: 380px;
  --parlor-panel-height: 600px;
  --parlor-launcher-bg: var(--parlor-accent);
  --parlor-launcher-fg: var(--parlor-on-accent);

  all: initial;
  position: fixed;
  inset-block-end: var(--parlor-offset-y);
  inset-inline-end: var(--parlor-offset-x);
  z-index: var(--parlor-z-index);
  display: block;
  font-family: var(--parlor-font);
  color: var(--parlor-text);
  color-scheme: light;
}
:host([hidden]) { display: none; }
:host([position='left']) { inset-inline-end: auto; inset-inline-start: var(--parlor-offset-x); }
:host([theme='dark']) {${dark}}
@media (prefers-color-scheme: dark) {
  :host([theme='auto']) {${dark}}
}
[part~='launcher'] {
  position: relative;
  display: grid;
  place-items: center;
  inline-size: var(--parlor-launcher-size);
  block-size: var(--parlor-launcher-size);
  margin: 0;
  padding: 0;
  border: 0;
  border-radius: 50%;
  background: var(--parlor-launcher-bg);
  color: var(--parlor-launcher-fg);
  box-shadow: var(--parlor-shadow);
  font: inherit;
  cursor: pointer;
}
[part~='launcher']:focus-visible { outline: 3px solid var(--parlor-text); outline-offset: 3px; }
[part~='launcher'] svg { inline-size: 28px; block-size: 28px; fill: currentColor; }
[part~='badge'] {
  position: absolute;
  inset-block-start: -4px;
  inset-inline-end: -4px;
  min-inline-size: 22px;
  block-size: 22px;
  padding: 0 6px;
  box-sizing: border-box;
  border-radius: 11px;
  background: #b3261e;
  color: #ffffff;
  font: 700 12px/22px var(--parlor-font);
  text-align: center;
}
[part~='badge'][hidden] { display: none; }
[part~='greeting'] {
  position: absolute;
  inset-block-end: calc(var(--parlor-launcher-size) + 12px);
  inset-inline-end: 0;
  display: flex;
  gap: 8px;
  align-items: start;
  inline-size: max-content;
  max-inline-size: min(280px, calc(100vw - 2 * var(--parlor-offset-x)));
  padding: 12px 8px 12px 14px;
  box-sizing: border-box;
  border-radius: var(--parlor-radius);
  background: var(--parlor-surface);
  color: var(--parlor-text);
  box-shadow: var(--parlor-shadow);
  font: 14px/1.4 var(--parlor-font);
}
[part~='greeting'] button {
  margin: 0;
  padding: 2px 6px;
  border: 0;
  background: none;
  color: inherit;
  font: inherit;
  cursor: pointer;
}
[part~='greeting'] button:focus-visible { outline: 2px solid var(--parlor-accent); }
:host([position='left']) [part~='greeting'] { inset-inline-end: auto; inset-inline-start: 0; }
:host([open]) [part~='greeting'] { display: none; }
parlor-panel {
  position: absolute;
  inset-block-end: calc(var(--parlor-launcher-size) + 16px);
  inset-inline-end: 0;
  inline-size: min(var(--parlor-panel-width), calc(100vw - 2 * var(--parlor-offset-x)));
  block-size: min(
    var(--parlor-panel-height),
    calc(var(--parlor-viewport-height, 100dvh) - var(--parlor-launcher-size) - 2 * var(--parlor-offset-y) - 16px)
  );
}
:host([position='left']) parlor-panel { inset-inline-end: auto; inset-inline-start: 0; }
@media (max-width: 480px), (max-height: 480px) {
  parlor-panel {
    position: fixed;
    inset: 0;
    inline-size: 100%;
    block-size: var(--parlor-viewport-height, 100dvh);
    --parlor-radius: 0px;
  }
  :host([open]) [part~='launcher'] { display: none; }
}
`;

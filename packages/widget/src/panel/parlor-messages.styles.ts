import { css } from 'lit';

/**
 * The conversation's layout: bubbles, groups, day separators, delivery states, quick replies and the typing
 * indicator. Colours come from the `--parlor-*` tokens inherited from `<parlor-chat>`, with fallbacks.
 */
export const messagesStyles = css`
  :host {
    --_focus: var(--parlor-accent, #3b3bd4);
    --_muted: var(--parlor-muted, #55555f);

    display: flex;
    flex-direction: column;
    flex: 1;
    min-height: 0;
    font-family: var(--parlor-font, system-ui, sans-serif);
    font-size: 0.9375rem;
    line-height: 1.4;
    color: var(--parlor-text, #1b1b1f);
    background: var(--parlor-surface, #fff);
  }
  :host([hidden]) {
    display: none;
  }
  .log {
    flex: 1;
    min-height: 0;
    overflow-y: auto;
    overscroll-behavior: contain;
    /* Scroll position is kept by hand when history is prepended; the browser's own anchoring would double it. */
    overflow-anchor: none;
    padding: 12px 14px;
  }
  .stream {
    display: flex;
    flex-direction: column;
    gap: 12px;
  }
  .stream > * {
    flex: none;
  }
  :focus-visible {
    outline: 2px solid var(--_focus);
    outline-offset: 2px;
  }
  .log:focus-visible {
    outline-offset: -2px;
  }
  .day {
    display: flex;
    align-items: center;
    gap: 8px;
    color: var(--_muted);
    font-size: 0.8125rem;
  }
  .day::before,
  .day::after {
    content: '';
    flex: 1;
    border-block-start: 1px solid var(--parlor-border, #c9c9d3);
  }
  .group {
    display: flex;
    flex-direction: column;
    align-items: flex-start;
    gap: 4px;
  }
  .group.visitor {
    align-items: flex-end;
  }
  .group.system {
    align-items: center;
  }
  .meta {
    display: flex;
    flex-wrap: wrap;
    align-items: baseline;
    gap: 6px;
    padding-inline: 4px;
    font-size: 0.8125rem;
    color: var(--_muted);
  }
  .author {
    font-weight: 600;
    color: var(--parlor-text, #1b1b1f);
  }
  .row {
    display: flex;
    flex-direction: column;
    align-items: inherit;
    gap: 2px;
    max-inline-size: 85%;
  }
  .bubble {
    padding: 8px 12px;
    border-radius: var(--parlor-messages-radius, var(--parlor-radius, 16px));
    background: var(--parlor-messages-other-bg, var(--parlor-surface-alt, #f1f1f5));
    color: var(--parlor-messages-other-fg, var(--parlor-text, #1b1b1f));
    white-space: pre-wrap;
    overflow-wrap: anywhere;
    border-end-start-radius: 4px;
  }
  .visitor .bubble {
    background: var(--parlor-messages-visitor-bg, var(--parlor-accent, #3b3bd4));
    color: var(--parlor-messages-visitor-fg, var(--parlor-on-accent, #fff));
    border-end-start-radius: var(--parlor-messages-radius, var(--parlor-radius, 16px));
    border-end-end-radius: 4px;
  }
  .system .bubble {
    background: none;
    color: var(--_muted);
    font-size: 0.8125rem;
    text-align: center;
    border-radius: 0;
    padding-block: 0;
  }
  .bubble a {
    color: inherit;
    text-decoration: underline;
  }
  .visitor .bubble a:focus-visible {
    outline-color: currentColor;
  }
  .caption {
    margin-block-start: 6px;
  }
  .attachment {
    display: inline-flex;
    flex-direction: column;
    gap: 4px;
  }
  .thumbnail {
    display: block;
    max-inline-size: 100%;
    max-block-size: 200px;
    border-radius: calc(var(--parlor-messages-radius, var(--parlor-radius, 16px)) / 2);
    object-fit: cover;
  }
  .file-size {
    font-size: 0.8125rem;
  }
  progress {
    inline-size: 100%;
    accent-color: currentColor;
  }
  .status {
    padding-inline: 4px;
    font-size: 0.75rem;
    color: var(--_muted);
  }
  .failed {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    justify-content: flex-end;
    gap: 4px 8px;
    font-size: 0.8125rem;
    color: var(--parlor-danger, #b3261e);
  }
  button {
    font: inherit;
    min-block-size: 28px;
    padding: 2px 10px;
    border-radius: 999px;
    cursor: pointer;
  }
  .action {
    border: 1px solid currentColor;
    background: var(--parlor-surface, #fff);
    color: var(--parlor-text, #1b1b1f);
    font-size: 0.8125rem;
  }
  .action.retry {
    color: var(--parlor-accent, #3b3bd4);
  }
  .older {
    align-self: center;
  }
  .quick-replies {
    display: flex;
    flex-wrap: wrap;
    gap: 8px;
  }
  .quick-reply {
    border: 1px solid var(--parlor-accent, #3b3bd4);
    background: var(--parlor-surface, #fff);
    color: var(--parlor-accent, #3b3bd4);
    padding-block: 6px;
  }
  .quick-reply:hover {
    background: var(--parlor-accent, #3b3bd4);
    color: var(--parlor-on-accent, #fff);
  }
  .typing {
    display: flex;
    align-items: center;
    gap: 8px;
    color: var(--_muted);
    font-size: 0.8125rem;
  }
  .dots {
    display: inline-flex;
    gap: 3px;
  }
  .dots span {
    inline-size: 6px;
    block-size: 6px;
    border-radius: 50%;
    background: currentColor;
  }
  .sr-only {
    position: absolute;
    inline-size: 1px;
    block-size: 1px;
    margin: -1px;
    padding: 0;
    overflow: hidden;
    clip-path: inset(50%);
    white-space: nowrap;
    border: 0;
  }
  @media (prefers-reduced-motion: no-preference) {
    .row {
      animation: parlor-arrive 160ms ease-out;
    }
    .dots span {
      animation: parlor-blink 1.2s infinite ease-in-out both;
    }
    .dots span:nth-child(2) {
      animation-delay: 0.2s;
    }
    .dots span:nth-child(3) {
      animation-delay: 0.4s;
    }
  }
  @keyframes parlor-arrive {
    from {
      opacity: 0;
      transform: translateY(4px);
    }
  }
  @keyframes parlor-blink {
    0%,
    80%,
    100% {
      opacity: 0.3;
    }
    40% {
      opacity: 1;
    }
  }
  @media (forced-colors: active) {
    .bubble {
      border: 1px solid CanvasText;
    }
  }
`;

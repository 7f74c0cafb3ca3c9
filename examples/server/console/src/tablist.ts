import { element, setText } from './element.js';

/** A tab of a {@link Tablist}. */
export interface TabSpec<T extends string> {
  value: T;
  label: string;
}

/** An ARIA tablist: roving tabindex, arrow keys / Home / End move and select (automatic activation). */
export interface Tablist<T extends string> {
  element: HTMLElement;
  /** Marks the selected tab and updates the labels. */
  update(selected: T, labels?: Partial<Record<T, string>>): void;
  /** The id of a tab's button, for the panel's aria-labelledby. */
  tabId(value: T): string;
}

/** Creates a tablist whose tabs all control the panel with id `panelId`. */
export function createTablist<T extends string>(
  idPrefix: string,
  label: string,
  panelId: string,
  tabs: readonly TabSpec<T>[],
  onSelect: (value: T) => void,
): Tablist<T> {
  const tabId = (value: T) => `${idPrefix}-${value}`;
  const buttons = tabs.map((tab) =>
    element(
      'button',
      {
        id: tabId(tab.value),
        className: 'tab',
        attrs: { type: 'button', role: 'tab', 'aria-controls': panelId, 'aria-selected': 'false', tabindex: -1 },
        on: { click: () => onSelect(tab.value) },
      },
      tab.label,
    ),
  );
  const list = element('div', { className: 'tablist', attrs: { role: 'tablist', 'aria-label': label } }, ...buttons);
  list.addEventListener('keydown', (event) => {
    const current = buttons.findIndex((b) => b === document.activeElement);
    if (current < 0) return;
    let next: number;
    if (event.key === 'ArrowRight' || event.key === 'ArrowDown') next = (current + 1) % buttons.length;
    else if (event.key === 'ArrowLeft' || event.key === 'ArrowUp')
      next = (current - 1 + buttons.length) % buttons.length;
    else if (event.key === 'Home') next = 0;
    else if (event.key === 'End') next = buttons.length - 1;
    else return;
    event.preventDefault();
    const tab = tabs[next];
    buttons[next]?.focus();
    if (tab) onSelect(tab.value);
  });
  return {
    element: list,
    tabId,
    update(selected, labels = {}) {
      tabs.forEach((tab, i) => {
        const button = buttons[i];
        if (!button) return;
        const isSelected = tab.value === selected;
        button.setAttribute('aria-selected', String(isSelected));
        button.tabIndex = isSelected ? 0 : -1;
        setText(button, labels[tab.value] ?? tab.label);
      });
    },
  };
}

/** Something `element` can append: nodes and strings (as text, never markup); falsy values are skipped. */
export type Child = Node | string | number | null | undefined | false;

type Handlers = { [E in keyof HTMLElementEventMap]?: (event: HTMLElementEventMap[E]) => void };

/** What `element` sets on a new element. */
export interface ElementProps {
  className?: string;
  id?: string;
  /** Attributes (strings only; `style` and `on*` are refused: the page runs under a strict CSP). */
  attrs?: Record<string, string | number | boolean | undefined>;
  on?: Handlers;
}

/**
 * Creates an element with attributes, listeners and children. Strings become text nodes, so data from the
 * wire can never turn into markup.
 */
export function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: ElementProps = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (props.className) node.className = props.className;
  if (props.id) node.id = props.id;
  for (const [name, value] of Object.entries(props.attrs ?? {})) {
    if (/^on/i.test(name) || name.toLowerCase() === 'style') throw new Error(`refused attribute ${name}`);
    if (value === undefined || value === false) continue;
    node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const [type, handler] of Object.entries(props.on ?? {})) {
    node.addEventListener(type, handler as EventListener);
  }
  append(node, children);
  return node;
}

/** Appends children to a node, strings as text. */
export function append(parent: Node, children: readonly Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'string' || typeof child === 'number' ? text(String(child)) : child);
  }
}

/** A text node. */
export function text(value: string): Text {
  return document.createTextNode(value);
}

/** Replaces a node's children (strings as text). */
export function setChildren(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}

/** Sets `textContent` only when it changed (keeps screen readers and selections calm). */
export function setText(node: Node, value: string): void {
  if (node.textContent !== value) node.textContent = value;
}

/**
 * Reconciles a container's children with a keyed list: keeps the elements of keys still present (and so
 * their focus and state), creates the new ones, removes the rest and moves only what is out of order.
 */
export function syncChildren<T>(
  container: HTMLElement,
  items: readonly T[],
  key: (item: T) => string,
  create: (item: T) => HTMLElement,
  update: (node: HTMLElement, item: T) => void,
): void {
  const existing = new Map<string, HTMLElement>();
  for (const child of Array.from(container.children)) {
    if (child instanceof HTMLElement && child.dataset.key !== undefined) existing.set(child.dataset.key, child);
  }
  const focused = document.activeElement;
  const hadFocus = focused instanceof HTMLElement && container.contains(focused) ? focused : undefined;
  const wanted: HTMLElement[] = [];
  for (const item of items) {
    const k = key(item);
    let node = existing.get(k);
    if (node) existing.delete(k);
    else {
      node = create(item);
      node.dataset.key = k;
    }
    update(node, item);
    wanted.push(node);
  }
  for (const stale of existing.values()) stale.remove();
  let cursor = container.firstElementChild;
  for (const node of wanted) {
    if (node === cursor) cursor = cursor.nextElementSibling;
    else container.insertBefore(node, cursor);
  }
  if (hadFocus && hadFocus.isConnected && document.activeElement !== hadFocus) hadFocus.focus();
}

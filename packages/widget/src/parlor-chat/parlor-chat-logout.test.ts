// Logout leaves no trace of the previous person anywhere in the page: not in the messages, not in the live
// region that announced them, not in an unsent draft. Against the real reference server.
import { expect, fixture, oneEvent, waitUntil } from '@open-wc/testing';
import { agentSay, startServer, stopServer, userHash, type TestServerInfo } from '../../../../test/support/server.js';
import '../define.js';
import type { ParlorPanel } from '../panel/parlor-panel.js';
import type { ParlorChat } from './parlor-chat.js';

const SITE = 'w-logout';

/** Every piece of text in `node` and the shadow roots under it, form values included. */
function deepText(node: Node): string {
  const parts: string[] = [];
  const walk = (n: Node) => {
    if (n.nodeType === Node.TEXT_NODE) parts.push(n.textContent ?? '');
    if (n instanceof HTMLTextAreaElement || n instanceof HTMLInputElement) parts.push(n.value);
    if (n instanceof Element && n.shadowRoot) walk(n.shadowRoot);
    for (const child of n.childNodes) walk(child);
  };
  walk(node);
  return parts.join(' ');
}

/** The polite live region's entries, inside the panel's message list. */
function announcements(panel: ParlorPanel): string[] {
  const messages = panel.shadowRoot?.querySelector('parlor-messages');
  return [...(messages?.shadowRoot?.querySelectorAll('[aria-live="polite"] > *') ?? [])].map(
    (p) => p.textContent?.trim() ?? '',
  );
}

describe('<parlor-chat> logout', () => {
  let server: TestServerInfo;
  let el: ParlorChat | undefined;

  before(async () => {
    server = await startServer({ siteId: SITE });
  });
  after(async () => {
    el?.destroy();
    await stopServer(server);
  });

  it('leaves nothing of the previous person in the page: messages, announcements, draft', async () => {
    el = await fixture<ParlorChat>(`<parlor-chat site-id="${SITE}" server="${server.url}"></parlor-chat>`);
    await el.identify({ mode: 'identified', userId: 'leaving-user', userHash: await userHash('leaving-user') });
    const opened = oneEvent(el, 'parlor-open');
    el.shadowRoot?.querySelector<HTMLButtonElement>('button[part~="launcher"]')?.click();
    await opened;
    await waitUntil(
      () => el?.shadowRoot?.querySelector<ParlorPanel>('parlor-panel')?.client,
      'the panel and its client',
      {
        timeout: 15_000,
      },
    );
    const panel = el.shadowRoot!.querySelector<ParlorPanel>('parlor-panel')!;
    const client = panel.client!;
    await client.send('My order number is 4411');
    await waitUntil(() => client.getSnapshot().conversation, 'a conversation', { timeout: 5000 });
    const conversation = client.getSnapshot().conversation!.id;
    const said = ['Your parcel left on Monday', 'It goes to 1 Harbour Lane', 'The code is 8152'];
    for (const text of said) await agentSay(server, conversation, text);
    await waitUntil(() => announcements(panel).length >= 3, 'the three replies announced', { timeout: 5000 });
    expect(announcements(panel).join(' ')).to.contain('The code is 8152');
    const textarea = panel.shadowRoot
      ?.querySelector('parlor-composer')
      ?.shadowRoot?.querySelector<HTMLTextAreaElement>('textarea');
    textarea!.value = 'and my card ends in 0042';

    await el.logout();
    await waitUntil(() => client.getSnapshot().visitor === null, 'signed out');
    await panel.updateComplete;
    await panel.shadowRoot?.querySelector<HTMLElement & { updateComplete: Promise<boolean> }>('parlor-messages')
      ?.updateComplete;
    await panel.shadowRoot?.querySelector<HTMLElement & { updateComplete: Promise<boolean> }>('parlor-composer')
      ?.updateComplete;

    expect(announcements(panel)).to.deep.equal([]);
    const page = deepText(document.body);
    for (const secret of [...said, 'My order number is 4411', 'card ends in 0042'])
      expect(page, `"${secret}" is still in the page`).not.to.contain(secret);
  });
});

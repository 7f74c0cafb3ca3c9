// The npm quick start: register <parlor-chat> once, then use it like any element.
import '@parlor/widget/define';

const chat = document.querySelector('parlor-chat');
const unread = document.querySelector('#unread');
if (!chat || !unread) throw new Error('index.html has a <parlor-chat> and an #unread element');

// Settings that are objects go in as properties.
chat.context = { attributes: { plan: 'pro' } };

// Typed DOM events: `e.detail.unread` is a number.
chat.addEventListener('parlor-unread-change', (e) => {
  unread.textContent = e.detail.unread ? `${e.detail.unread} unread` : '';
});

// Methods: open the panel from your own button.
document.querySelector('#help')?.addEventListener('click', () => chat.show());

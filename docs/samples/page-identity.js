// In the page, for a signed-in user. `window.parlorIdentity` is what your server rendered into the page with
// parlorIdentity() from user-hash.mjs: { mode: 'identified', userId, userHash, name, email }.
const chat = document.querySelector('parlor-chat');
chat.identify(window.parlorIdentity);

// When your user signs out: back to anonymous, and nothing of theirs is left on this device.
document.querySelector('#sign-out')?.addEventListener('click', () => chat.logout());

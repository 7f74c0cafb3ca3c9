/** Where the chat server runs and which site this app is (see sites.dev.json); override with VITE_PARLOR_*. */
export const PARLOR = {
  server: import.meta.env.VITE_PARLOR_SERVER ?? 'http://localhost:8787',
  siteId: import.meta.env.VITE_PARLOR_SITE ?? 'react-example',
};

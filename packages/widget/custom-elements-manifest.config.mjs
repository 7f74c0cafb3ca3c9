// The custom-elements manifest (`custom-elements.json`), generated at build from the elements' JSDoc
// (@tag, @attr, @fires, @cssprop, @csspart, @slot): one source for the docs and the React events map.
export default {
  globs: ['src/parlor-chat/parlor-chat.ts', 'src/panel/parlor-*.ts'],
  // Style modules hold no element: leave them out of the manifest.
  exclude: ['src/**/*.test.ts', 'src/**/*.styles.ts'],
  outdir: '.',
  litelement: true,
  // package.json already points "customElements" at the file; do not let the build rewrite it.
  packagejson: false,
};

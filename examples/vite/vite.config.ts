// A plain Vite app: it resolves @parlor/widget as any npm consumer does (the package's built `dist`), so
// `pnpm -r build` builds the widget first. `base: './'` makes dist/ work from any path.
import { defineConfig } from 'vite';

export default defineConfig({
  base: './',
  server: { port: 5174, strictPort: true },
  build: { outDir: 'dist', emptyOutDir: true },
  logLevel: 'warn',
});

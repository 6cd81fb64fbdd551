import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// No @vitejs/plugin-react: Vite's own esbuild compiles TSX with the automatic JSX runtime.
// Workspace packages (@tracemap/model, parsers, analysis) export their TypeScript sources,
// which Vite compiles like the app's own files.
// The API the dev server and `vite preview` forward to (`tracemap serve` listens on 8080).
const api = process.env.TRACEMAP_API ?? 'http://127.0.0.1:8080';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  esbuild: { jsx: 'automatic' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    chunkSizeWarningLimit: 900,
    rollupOptions: {
      // react-query marks its hooks "use client" for React Server Components; meaningless in a SPA bundle.
      onwarn(warning, warn) {
        if (warning.code === 'MODULE_LEVEL_DIRECTIVE' || (warning.code === 'SOURCEMAP_ERROR' && /use client|original location/.test(warning.message))) return;
        warn(warning);
      },
    },
  },
  server: {
    host: '127.0.0.1',
    port: 5173,
    // ws: the live capture socket (/api/captures/ws) goes through the proxy too.
    proxy: { '/api': { target: api, ws: true }, '/docs': api },
  },
  preview: { host: '127.0.0.1', proxy: { '/api': { target: api, ws: true }, '/docs': api } },
});

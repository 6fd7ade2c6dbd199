import path from 'node:path';
import { defineConfig } from 'vite';

/**
 * The reviewer and regulator web app. Built into web/dist, which the API serves at /; the API and
 * the app share one origin, so the app calls /api/v1 directly.
 */
export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: path.join(import.meta.dirname, 'dist'),
    emptyOutDir: true,
    sourcemap: true,
    target: 'es2022',
    chunkSizeWarningLimit: 400,
  },
  server: { proxy: { '/api': process.env.HAZARDSCOPE_API ?? 'http://127.0.0.1:8080' } },
});

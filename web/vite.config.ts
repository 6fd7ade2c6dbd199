import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { build } from 'esbuild';
import { defineConfig, type Plugin } from 'vite';

const VERIFY_DIR = path.join(import.meta.dirname, 'verify');

/**
 * The offline evidence verifier (web/verify) as one self-contained HTML file, web/dist/verify.html,
 * built with every web app build (npm run build:web, and npm run demo / npm test when web/ or the
 * domain changed; the Dockerfile too). Its script and style are inline and allowed by their hashes
 * in a Content-Security-Policy meta tag with no connect-src, so the saved file provably sends
 * nothing anywhere either; the API serves it with the same policy as a header (api/verifier-page.ts).
 * esbuild, not Vite, bundles it: Vite would split it into files, and a page to be saved and
 * opened offline must be one.
 */
export async function buildVerifierPage(outFile: string): Promise<void> {
  const bundled = await build({
    entryPoints: [path.join(VERIFY_DIR, 'main.tsx')],
    bundle: true,
    write: false,
    format: 'iife',
    target: 'es2020',
    minify: true,
    jsx: 'automatic',
    jsxImportSource: 'preact',
    legalComments: 'eof',
    logLevel: 'warning',
  });
  // Escaped so no string in the code can end the inline script early (`<\/` means `</` in JavaScript).
  const script = bundled.outputFiles[0]!.text.replaceAll('</', '<\\/');
  const style = await readFile(path.join(VERIFY_DIR, 'styles.css'), 'utf8');
  const hash = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
  const csp = [
    "default-src 'none'",
    `script-src ${hash(script)}`,
    `style-src ${hash(style)}`,
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  const template = await readFile(path.join(VERIFY_DIR, 'template.html'), 'utf8');
  // The elements' whole content is replaced (whatever formatting the template has), so the hashes
  // cover exactly what the browser sees; function replacers, as the code may contain `$&` and the like.
  const html = template
    .replace('%CSP%', () => csp)
    .replace(/<style>[\s\S]*?<\/style>/, () => `<style>${style}</style>`)
    .replace(/<script>[\s\S]*?<\/script>/, () => `<script>${script}</script>`);
  if (!html.includes(csp) || !html.includes(`<script>${script}</script>`))
    throw new Error('web/verify/template.html lost its %CSP% or <script> placeholder');
  await mkdir(path.dirname(outFile), { recursive: true });
  await writeFile(outFile, html);
}

function offlineVerifier(outDir: string): Plugin {
  return {
    name: 'hazardscope-offline-verifier',
    apply: 'build',
    async closeBundle() {
      await buildVerifierPage(path.join(outDir, 'verify.html'));
    },
  };
}

/**
 * The interactive API reference the API serves at /docs runs Scalar's prebuilt standalone bundle.
 * It is copied into web/dist as it is (re-bundling 3.5 MB of someone else's minified code would only
 * slow the build), so the page loads nothing from a CDN and the runtime image needs no Scalar
 * package. The path is the one api/docs.ts serves.
 */
function apiReferenceBundle(): Plugin {
  return {
    name: 'hazardscope-api-reference',
    apply: 'build',
    async generateBundle() {
      const file = createRequire(import.meta.url).resolve('@scalar/api-reference/browser/standalone.js');
      this.emitFile({ type: 'asset', fileName: 'docs/scalar-api-reference.js', source: await readFile(file) });
    },
  };
}

const OUT_DIR = path.join(import.meta.dirname, 'dist');

/**
 * The reviewer and regulator web app. Built into web/dist, which the API serves at /; the API and
 * the app share one origin, so the app calls /api/v1 directly.
 */
export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  plugins: [offlineVerifier(OUT_DIR), apiReferenceBundle()],
  build: {
    outDir: OUT_DIR,
    emptyOutDir: true,
    sourcemap: true,
    target: 'es2022',
    chunkSizeWarningLimit: 400,
  },
  server: { proxy: { '/api': process.env.HAZARDSCOPE_API ?? 'http://127.0.0.1:8080' } },
});

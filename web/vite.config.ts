/// <reference types="vitest/config" />
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig, type Plugin } from 'vite';
import { renderSite, type SiteLang } from './src/site/render';

const root = fileURLToPath(new URL('.', import.meta.url));
const publicDir = join(root, 'public');
const screenshots = join(root, '..', 'docs', 'screenshots');

/** pngSize reads the width and height of a PNG file. */
function pngSize(data: Buffer): { width: number; height: number } {
  return { width: data.readUInt32BE(16), height: data.readUInt32BE(20) };
}

/**
 * publicSite prerenders the public site (src/site) into site/index.<lang>.html:
 * plain HTML with its CSS inline and no script, which the server sends to
 * visitors who are not signed in. Its screenshots come from docs/screenshots
 * as hashed assets.
 */
function publicSite(): Plugin {
  return {
    name: 'pama-public-site',
    apply: 'build',
    generateBundle() {
      const css = readFileSync(join(root, 'src/site/site.css'), 'utf8')
        .replace(/\s*\n\s*/g, '')
        .trim();
      const image = (file: string) => {
        const source = readFileSync(join(screenshots, file));
        const ref = this.emitFile({ type: 'asset', name: `site-${file}`, source });
        return { src: '/' + this.getFileName(ref), ...pngSize(source) };
      };
      const images = { desktop: image('desktop-team.png'), phone: image('phone-team.png') };
      for (const lang of ['en', 'ru'] as SiteLang[]) {
        this.emitFile({ type: 'asset', fileName: `site/index.${lang}.html`, source: renderSite(lang, css, images) });
      }
    },
  };
}

/** sitePart reports whether a built file belongs to the public site, not the app. */
const sitePart = (name: string) => name.startsWith('site/') || name.startsWith('assets/site-');

/** Files under dir, as paths relative to it with forward slashes, sorted. */
function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(dir, p).split('\\').join('/'));
    }
  };
  walk(dir);
  return out.sort();
}

/**
 * serviceWorker builds src/sw/sw.ts as /sw.js (a stable name, so its scope is
 * the whole app) and writes into it the list of files to precache and a
 * version derived from their contents. The same sources give the same sw.js.
 */
function serviceWorker(): Plugin {
  return {
    name: 'pama-service-worker',
    apply: 'build',
    generateBundle(_options, bundle) {
      const sw = bundle['sw.js'];
      if (!sw || sw.type !== 'chunk') {
        this.error('sw.js is missing from the bundle');
        return;
      }
      const hash = createHash('sha256');
      const files: string[] = [];
      for (const name of Object.keys(bundle).sort()) {
        const item = bundle[name]!;
        if (name === 'sw.js' || name === 'index.html' || name.endsWith('.map') || sitePart(name)) continue;
        files.push('/' + name);
        hash.update(name).update(item.type === 'chunk' ? item.code : item.source);
      }
      for (const name of listFiles(publicDir)) {
        files.push('/' + name);
        hash.update(name).update(readFileSync(join(publicDir, name)));
      }
      const index = bundle['index.html'];
      if (index && index.type === 'asset') hash.update(index.source);
      const version = hash.digest('hex').slice(0, 16);
      // The app's page is precached under /sign-in: / is the public site for
      // visitors who are not signed in.
      const precache = ['/sign-in', ...files.filter((f) => f !== '/robots.txt')];
      const list = /(["'`])__PAMA_PRECACHE__\1/;
      if (!list.test(sw.code) || !sw.code.includes('__PAMA_VERSION__')) {
        this.error('sw.js lost its placeholders');
      }
      sw.code = sw.code.replace(list, () => JSON.stringify(precache)).replaceAll('__PAMA_VERSION__', version);
      if (sw.code.includes('__PAMA_')) this.error('sw.js has a placeholder left');
    },
  };
}

export default defineConfig({
  base: '/',
  plugins: [svelte(), publicSite(), serviceWorker()],
  resolve: process.env.VITEST ? { conditions: ['browser'] } : undefined,
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    target: 'es2022',
    sourcemap: false,
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
    rollupOptions: {
      input: {
        index: join(root, 'index.html'),
        sw: join(root, 'src/sw/sw.ts'),
      },
      output: {
        entryFileNames: (chunk) => (chunk.name === 'sw' ? 'sw.js' : 'assets/[name]-[hash].js'),
        chunkFileNames: 'assets/[name]-[hash].js',
        assetFileNames: 'assets/[name]-[hash][extname]',
      },
    },
  },
  server: {
    proxy: {
      '/api': { target: process.env.PAMA_DEV_API ?? 'http://127.0.0.1:8080', ws: true },
    },
  },
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
});

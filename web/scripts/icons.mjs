// Renders the PNG app icons from public/icon.svg with Chromium:
//   node scripts/icons.mjs
// The PNGs are committed; run this again only when the mark changes.
import { readFileSync, writeFileSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { browserArgs, chromiumPath } from '../e2e/browser.mjs';

const svg = readFileSync(new URL('../public/icon.svg', import.meta.url), 'utf8');
const maskable = svg
  .replace('rx="14"', 'rx="0"')
  .replace('<rect width="64" height="64" rx="0" fill="#3441c2"/>', '<rect width="64" height="64" fill="#3441c2"/><g transform="translate(6.4 6.4) scale(0.8)">')
  .replace('</svg>', '</g></svg>');

const targets = [
  { file: 'icon-192.png', size: 192, svg },
  { file: 'icon-512.png', size: 512, svg },
  { file: 'apple-touch-icon.png', size: 180, svg: maskable },
  { file: 'icon-maskable-512.png', size: 512, svg: maskable },
];

const browser = await chromium.launch({ executablePath: chromiumPath, args: browserArgs });
try {
  for (const t of targets) {
    const page = await browser.newPage({ viewport: { width: t.size, height: t.size }, deviceScaleFactor: 1 });
    const data = Buffer.from(t.svg).toString('base64');
    await page.setContent(
      `<html><body style="margin:0;background:transparent"><img src="data:image/svg+xml;base64,${data}" width="${t.size}" height="${t.size}" style="display:block"></body></html>`,
    );
    await page.locator('img').evaluate((img) => /** @type {HTMLImageElement} */ (img).decode());
    const png = await page.screenshot({ omitBackground: true, clip: { x: 0, y: 0, width: t.size, height: t.size } });
    writeFileSync(new URL(`../public/${t.file}`, import.meta.url), png);
    await page.close();
    console.log(`public/${t.file}`);
  }
} finally {
  await browser.close();
}

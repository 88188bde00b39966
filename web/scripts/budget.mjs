// Fails the build when the JavaScript a first visit loads is over budget.
// "Initial" is what index.html loads: its module script and the modules it
// preloads; screens loaded on demand do not count.
//   node scripts/budget.mjs [dist]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

export const budgetBytes = 200 * 1024;

/**
 * initialScripts returns the script files index.html loads at once.
 * @param {string} html
 * @returns {string[]}
 */
export function initialScripts(html) {
  const files = new Set();
  for (const m of html.matchAll(/<script\b[^>]*\bsrc="([^"]+)"/g)) files.add(m[1]);
  for (const m of html.matchAll(/<link\b[^>]*\brel="modulepreload"[^>]*\bhref="([^"]+)"/g)) files.add(m[1]);
  return [...files].filter((f) => typeof f === 'string' && f.startsWith('/'));
}

/**
 * gzipSize is the size of data gzipped as a server would send it.
 * @param {Buffer} data
 */
export function gzipSize(data) {
  return gzipSync(data, { level: 9 }).length;
}

const dist = process.argv[2] ?? 'dist';
const html = readFileSync(join(dist, 'index.html'), 'utf8');
const files = initialScripts(html);
if (files.length === 0) {
  console.error('budget: index.html loads no scripts; is the build broken?');
  process.exit(1);
}
let total = 0;
for (const f of files) {
  const size = gzipSize(readFileSync(join(dist, f)));
  total += size;
  console.log(`  ${(size / 1024).toFixed(1).padStart(7)} KB  ${f}`);
}
const verdict = total <= budgetBytes ? 'within' : 'OVER';
console.log(`budget: initial JavaScript ${(total / 1024).toFixed(1)} KB gzipped, ${verdict} the ${budgetBytes / 1024} KB budget`);
if (total > budgetBytes) process.exit(1);

// How the browser tests start Chromium: Debian's build, never a download.

export const chromiumPath = process.env.PAMA_CHROMIUM ?? '/usr/bin/chromium';

export const browserArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--disable-dev-shm-usage',
];

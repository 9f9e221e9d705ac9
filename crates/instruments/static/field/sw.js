/**
 * sw.js — the service worker of the OpenCPD field app (scope /field/). It precaches the app
 * shell so the app opens with no connection, serves those files cache-first, and leaves
 * /api/ to the network alone (data lives in IndexedDB, never in this cache; so do the
 * texts of /field/messages.json and the sign-in of /field/sign-in.json, not in SHELL). Bump VERSION
 * when a shell file changes: the new worker caches the new set and removes the old one.
 */
const VERSION = 'opencpd-field-v11';
const SHELL = [
  '/field/',
  '/field/index.html',
  '/field/app.css',
  '/field/app.js',
  '/field/forms.js',
  '/field/digest.js',
  '/field/edits.js',
  '/field/visits.js',
  '/field/meetings.js',
  '/field/uploads.js',
  '/field/metadata.js',
  '/field/media.js',
  '/field/store.js',
  '/field/i18n.js',
  '/field/manifest.webmanifest',
  '/field/icon.svg',
];

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(VERSION);
    await cache.addAll(SHELL.map((url) => new Request(url, { cache: 'reload' })));
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) if (key !== VERSION) await caches.delete(key);
    await self.clients.claim();
  })());
});

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith('/api/')) {
    event.respondWith(fetch(event.request)); // network only
    return;
  }
  if (event.request.method !== 'GET' || !SHELL.includes(url.pathname)) return;
  event.respondWith((async () => {
    const cache = await caches.open(VERSION);
    const cached = await cache.match(url.pathname === '/field/' ? '/field/' : url.pathname, { ignoreSearch: true });
    if (cached) return cached;
    const response = await fetch(event.request);
    if (response.ok) await cache.put(url.pathname, response.clone());
    return response;
  })());
});

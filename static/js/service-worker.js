/* The site's service worker: the catalog pages a visitor has read open offline.
 *
 * Served at /sw.js (etoile_app/views.py) so that its scope is the whole site, and registered
 * by static/js/offline.js. What it keeps, and how:
 *
 * - Catalog pages, in English and French: home, season, episode, people, characters and
 *   sources. Network first: a page comes from the network whenever there is one, so nobody
 *   reads an old page while online; the copy kept from the last reading answers only when
 *   the network fails. The newest MAX_PAGES pages are kept.
 * - Never a member's page, a form, or any answer to a signed-in member: only the catalog's
 *   addresses are kept, and of those only answers that allow storing. The site sends
 *   "Cache-Control: private, no-store" with everything it answers a signed-in member, and
 *   the worker keeps nothing that says no-store. Profiles, diaries and reviews (members'
 *   words), /me/, /accounts/, /admin/ and /api/ are never kept.
 * - The offline page (/offline/, /fr/offline/), fetched without cookies at install, answers
 *   for any other page the network cannot reach.
 * - Static files: those whose name carries a content hash (collectstatic's, in production)
 *   from the cache first, as they never change; others network first.
 */
"use strict";

var VERSION = "1";
var PAGES = "etoile-pages-v" + VERSION;
var ASSETS = "etoile-assets-v" + VERSION;
var MAX_PAGES = 60;
var OFFLINE_PAGES = { en: "/offline/", fr: "/fr/offline/" };
var CATALOG_PAGE =
  /^\/(fr\/)?(season\/\d+\/(episode\/\d+\/)?|people\/[\w-]+\/|characters\/[\w-]+\/|sources\/)?$/;
var NEVER_HANDLED = /^\/(admin|api)\//;
var HASHED_FILE = /\.[0-9a-f]{12}\.[a-z0-9]+$/;
var STATIC_FILE = /(?:href|src)="(\/static\/[^"]+)"/g;

function storable(response) {
  if (!response || response.status !== 200 || response.type !== "basic" || response.redirected) {
    return false;
  }
  var cacheControl = (response.headers.get("Cache-Control") || "").toLowerCase();
  return !/\bno-store\b/.test(cacheControl);
}

async function keepOfflinePages() {
  var pages = await caches.open(ASSETS);
  for (var [language, path] of Object.entries(OFFLINE_PAGES)) {
    // Without cookies: the page as any visitor gets it, whoever is signed in. In the page's
    // own language: a browser that prefers French would otherwise be redirected from
    // /offline/ to /fr/offline/, a redirected answer is not kept, and the worker would
    // never install.
    var response = await fetch(path, {
      credentials: "omit",
      cache: "no-store",
      headers: { "Accept-Language": language },
    });
    if (!storable(response)) {
      throw new Error("offline page not available: " + path);
    }
    var html = await response.clone().text();
    await pages.put(path, response);
    // The offline page's style sheet, font and scripts, which every page shares.
    var files = Array.from(html.matchAll(STATIC_FILE), function (match) {
      return match[1];
    });
    await Promise.all(
      files.map(function (file) {
        return pages.match(file).then(function (found) {
          return found || pages.add(file);
        });
      })
    );
  }
}

self.addEventListener("install", function (event) {
  event.waitUntil(keepOfflinePages().then(function () {
    return self.skipWaiting();
  }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches
      .keys()
      .then(function (names) {
        return Promise.all(
          names
            .filter(function (name) {
              return name !== PAGES && name !== ASSETS;
            })
            .map(function (name) {
              return caches.delete(name);
            })
        );
      })
      .then(function () {
        return self.clients.claim();
      })
  );
});

async function keepPage(request, response) {
  var pages = await caches.open(PAGES);
  await pages.put(request, response);
  var kept = await pages.keys();
  // Keys come oldest first: let the oldest go.
  await Promise.all(
    kept.slice(0, Math.max(kept.length - MAX_PAGES, 0)).map(function (old) {
      return pages.delete(old);
    })
  );
}

function offlinePage(url) {
  var language = url.pathname.startsWith("/fr/") ? "fr" : "en";
  return caches.match(OFFLINE_PAGES[language], { cacheName: ASSETS }).then(function (page) {
    return page || Response.error();
  });
}

async function catalogPage(event, url) {
  try {
    var response = await fetch(event.request);
    if (storable(response)) {
      event.waitUntil(keepPage(event.request, response.clone()));
    }
    return response;
  } catch (error) {
    // Vary (Cookie, Accept-Language) is the server's: the copy is a visitor's page.
    var kept = await caches.match(event.request, { cacheName: PAGES, ignoreVary: true });
    return kept || offlinePage(url);
  }
}

async function otherPage(event, url) {
  try {
    return await fetch(event.request);
  } catch (error) {
    return offlinePage(url);
  }
}

async function staticFile(event, url) {
  var assets = await caches.open(ASSETS);
  if (HASHED_FILE.test(url.pathname)) {
    var kept = await assets.match(event.request);
    if (kept) {
      return kept;
    }
  }
  try {
    var response = await fetch(event.request);
    if (storable(response)) {
      event.waitUntil(assets.put(event.request, response.clone()));
    }
    return response;
  } catch (error) {
    var copy = await assets.match(event.request);
    if (copy) {
      return copy;
    }
    throw error;
  }
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) {
    return;
  }
  if (url.pathname.startsWith("/static/")) {
    event.respondWith(staticFile(event, url));
  } else if (request.mode === "navigate" && !NEVER_HANDLED.test(url.pathname)) {
    if (CATALOG_PAGE.test(url.pathname)) {
      event.respondWith(catalogPage(event, url));
    } else {
      event.respondWith(otherPage(event, url));
    }
  }
});

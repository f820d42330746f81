/* Reading offline, as an enhancement: the site works the same where this does not run.
 *
 * Registers the service worker (static/js/service-worker.js, served at /sw.js so that it
 * covers the whole site; the address comes from this script's data-worker attribute), and
 * shows the page's "You are offline" notice while the browser has no network, so that a
 * page opened from the worker's copy says it may be out of date.
 */
(function () {
  "use strict";
  var script = document.currentScript;

  function showOfflineNotice() {
    var notice = document.getElementById("offline-notice");
    if (notice) {
      notice.hidden = navigator.onLine !== false;
    }
  }

  showOfflineNotice();
  window.addEventListener("online", showOfflineNotice);
  window.addEventListener("offline", showOfflineNotice);

  if (!("serviceWorker" in navigator) || !script || !script.dataset.worker) {
    return;
  }
  window.addEventListener("load", function () {
    navigator.serviceWorker.register(script.dataset.worker, { scope: "/" }).catch(function () {
      // No worker (a private window, a browser that refuses it): pages need the network.
    });
  });
})();

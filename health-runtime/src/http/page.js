// The status page's only script: while the page is open, it fetches the page again each second
// and swaps in what the server rendered. Without it, the page reads the same; a reload refreshes.
"use strict";
(function () {
  const said = document.getElementById("refresh");
  if (said) {
    said.textContent = "Refreshes every second.";
  }
  async function refresh() {
    try {
      const response = await fetch(window.location.href, { cache: "no-store" });
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      for (const id of ["summary", "status"]) {
        const fresh = page.getElementById(id);
        const shown = document.getElementById(id);
        if (fresh && shown) {
          shown.replaceWith(fresh);
        }
      }
      document.title = page.title;
      const again = document.getElementById("refresh");
      if (again) {
        again.textContent = "Refreshes every second.";
      }
    } catch (unreachable) {
      // The service is restarting or the network is down: say so, and try at the next tick.
      const shown = document.getElementById("refresh");
      if (shown) {
        shown.textContent = "Cannot reach the service: showing what it said last.";
      }
    }
  }
  // Each fetch a second after the last answered: a slow service gets no pile of requests.
  async function loop() {
    await refresh();
    window.setTimeout(loop, 1000);
  }
  window.setTimeout(loop, 1000);
})();

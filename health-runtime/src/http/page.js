// The status page's only script: while the page is open, it fetches the page again a second after
// the last answer and swaps in what the server rendered. Without it, the page reads the same; a
// reload refreshes.
"use strict";
(function () {
  // The server says how long a view may take: as long as its slowest check's timeout, and more.
  const TIMEOUT_MS = Number(document.documentElement.dataset.waitMs) || 5000;
  let said = "";

  // Tells how fresh the page is, in the footer's live region: only when that changes, so that a
  // screen reader does not hear it each second.
  function say(text) {
    const shown = document.getElementById("refresh");
    if (shown && text !== said) {
      shown.textContent = text;
      said = text;
    }
  }

  async function refresh() {
    const stop = new AbortController();
    const timer = window.setTimeout(() => stop.abort(), TIMEOUT_MS);
    try {
      const response = await fetch(window.location.href, { cache: "no-store", signal: stop.signal });
      if (!response.ok) {
        say(`The service answered ${response.status}: showing what it said last.`);
        return;
      }
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      const ids = ["summary", "status"];
      if (!ids.every((id) => page.getElementById(id) && document.getElementById(id))) {
        say("The service answered with another page: showing what it said last.");
        return;
      }
      for (const id of ids) {
        document.getElementById(id).replaceWith(page.getElementById(id));
      }
      document.title = page.title;
      say("Refreshes every second.");
    } catch (unreachable) {
      // Restarting, a network down, or no answer within the timeout: try at the next tick.
      if (stop.signal.aborted) {
        say(`No answer within ${TIMEOUT_MS / 1000} s: showing what it said last.`);
      } else {
        say("Cannot reach the service: showing what it said last.");
      }
    } finally {
      window.clearTimeout(timer);
    }
  }

  // Each refresh runs every check, the deep groups' too: a tab out of sight asks for none, and
  // refreshes at once when it is seen again.
  async function loop() {
    if (document.hidden) {
      document.addEventListener("visibilitychange", loop, { once: true });
      return;
    }
    await refresh();
    window.setTimeout(loop, 1000);
  }
  say("Refreshes every second.");
  window.setTimeout(loop, 1000);
})();

/* media-pub embed.js: include it once on a page that embeds media-pub players in iframes,
 *   <script src="https://media.example.org/embed/embed.js" async></script>
 * and each player iframe takes the height its page reports, so it never shows a scrollbar
 * of its own. The player pages post {type: "media-pub:resize", height: <px>} to their
 * parent (SPEC 5.5); this script trusts a message only from the iframe that sent it
 * (event.source), from that iframe's own origin ("null" only for a sandboxed frame without
 * allow-same-origin), and with a finite number for a height, clamped to a sane range. */
(function () {
  "use strict";
  if (window.mediaPubEmbed) return;          // included twice: one listener is enough
  window.mediaPubEmbed = true;
  var MIN = 80, MAX = 20000;

  function frames() { return Array.prototype.slice.call(document.getElementsByTagName("iframe")); }

  function originOf(frame) {
    try { return new URL(frame.src, location.href).origin; } catch (e) { return null; }
  }

  function opaque(frame) {
    var sandbox = frame.getAttribute("sandbox");
    return sandbox !== null && !/(^|\s)allow-same-origin(\s|$)/.test(sandbox);
  }

  window.addEventListener("message", function (event) {
    var data = event.data;
    if (!data || typeof data !== "object" || data.type !== "media-pub:resize") return;
    if (typeof data.height !== "number" || !isFinite(data.height)) return;
    var frame = null;
    frames().forEach(function (f) { if (f.contentWindow === event.source) frame = f; });
    if (!frame) return;
    if (event.origin !== originOf(frame) && !(event.origin === "null" && opaque(frame))) return;
    var height = Math.round(Math.min(MAX, Math.max(MIN, data.height)));
    frame.style.height = height + "px";
    frame.setAttribute("data-media-pub-height", String(height));
  });

  /* Frames that loaded before this script re-send their height when asked. */
  function ready(frame) {
    try { frame.contentWindow.postMessage({ type: "media-pub:ready" }, opaque(frame) ? "*" : originOf(frame)); }
    catch (e) { /* not loaded yet: it posts its height itself on load */ }
  }
  function start() { frames().forEach(ready); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();

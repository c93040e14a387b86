/* media-pub player: chapters and transcript that seek, a waveform seek bar, the show
 * page's episode list and the Media Session API. Vanilla JS, no build step. Everything
 * from metadata arrives as JSON and is only ever set as text, never as HTML. */
(function () {
  "use strict";

  var root = document.querySelector("[data-player]");
  var dataNode = document.getElementById("player-data");
  if (!root || !dataNode) return;
  var data = JSON.parse(dataNode.textContent);
  var media = root.querySelector("audio.media, video.media");
  if (!media) return;
  var episodes = data.episodes || [];
  var current = 0;

  function clock(seconds) {
    var s = Math.max(0, Math.floor(seconds || 0));
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    var mm = h ? String(m).padStart(2, "0") : String(m);
    return (h ? h + ":" : "") + mm + ":" + String(r).padStart(2, "0");
  }

  function spoken(seconds) {
    var s = Math.max(0, Math.floor(seconds || 0));
    var parts = [], h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    if (h) parts.push(h + (h === 1 ? " hour" : " hours"));
    if (m) parts.push(m + (m === 1 ? " minute" : " minutes"));
    if (r || !parts.length) parts.push(r + (r === 1 ? " second" : " seconds"));
    return parts.join(" ");
  }

  function duration() {
    return isFinite(media.duration) && media.duration > 0
      ? media.duration : (episodes[current] || {}).duration || 0;
  }

  function seek(seconds, play) {
    media.currentTime = Math.max(0, Math.min(seconds, duration() || seconds));
    if (play && media.paused) {
      var started = media.play();
      if (started && started.catch) started.catch(function () {});
    }
  }

  /* Waveform seek bar: a slider over a canvas of peaks. */
  var wave = root.querySelector(".wave");
  var canvas = wave && wave.querySelector("canvas");
  var peaks = null;

  function drawWave() {
    if (!wave || !peaks || wave.hidden) return;
    var ratio = window.devicePixelRatio || 1;
    var width = wave.clientWidth, height = wave.clientHeight;
    if (!width || !height) return;
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
    var ctx = canvas.getContext("2d");
    var style = getComputedStyle(wave);
    var played = duration() ? media.currentTime / duration() : 0;
    var bar = canvas.width / peaks.length;
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    for (var i = 0; i < peaks.length; i++) {
      var h = Math.max(2 * ratio, peaks[i] * canvas.height);
      ctx.fillStyle = (i + 0.5) / peaks.length <= played
        ? style.getPropertyValue("--wave-played") : style.getPropertyValue("--wave");
      ctx.fillRect(i * bar, (canvas.height - h) / 2, Math.max(1, bar * 0.7), h);
    }
  }

  function updateSlider() {
    if (!wave || wave.hidden) return;
    wave.setAttribute("aria-valuemax", duration().toFixed(1));
    wave.setAttribute("aria-valuenow", media.currentTime.toFixed(1));
    wave.setAttribute("aria-valuetext", spoken(media.currentTime) + " of " + spoken(duration()));
  }

  function setPeaks(item) {
    peaks = null;
    if (wave) wave.hidden = true;
    if (!wave) return;
    if (item.peaks && item.peaks.length) {
      peaks = item.peaks;
      wave.hidden = false;
      updateSlider();
      drawWave();
    }
  }

  if (wave) {
    var seekAt = function (event) {
      var box = wave.getBoundingClientRect();
      var fraction = Math.min(1, Math.max(0, (event.clientX - box.left) / box.width));
      seek(fraction * duration(), false);
    };
    var dragging = false;
    wave.addEventListener("pointerdown", function (event) {
      dragging = true;
      if (wave.setPointerCapture) wave.setPointerCapture(event.pointerId);
      seekAt(event);
    });
    wave.addEventListener("pointermove", function (event) { if (dragging) seekAt(event); });
    wave.addEventListener("pointerup", function () { dragging = false; });
    wave.addEventListener("keydown", function (event) {
      var steps = { ArrowLeft: -5, ArrowDown: -5, ArrowRight: 5, ArrowUp: 5,
                    PageDown: -30, PageUp: 30 };
      if (event.key in steps) seek(media.currentTime + steps[event.key], false);
      else if (event.key === "Home") seek(0, false);
      else if (event.key === "End") seek(duration(), false);
      else return;
      event.preventDefault();
    });
    window.addEventListener("resize", drawWave);
  }

  /* Chapters and transcript cues: anything with data-seek. */
  var chapterButtons = Array.prototype.slice.call(root.querySelectorAll(".chapters [data-seek]"));
  var cues = Array.prototype.slice.call(root.querySelectorAll(".transcript [data-seek]"));
  root.addEventListener("click", function (event) {
    var target = event.target.closest("[data-seek]");
    if (target && root.contains(target)) seek(parseFloat(target.getAttribute("data-seek")), true);
  });

  function highlight() {
    var t = media.currentTime, i;
    var active = null;
    for (i = 0; i < chapterButtons.length; i++) {
      if (parseFloat(chapterButtons[i].getAttribute("data-seek")) <= t + 0.05) active = chapterButtons[i];
    }
    chapterButtons.forEach(function (b) {
      if (b === active) b.setAttribute("aria-current", "true");
      else b.removeAttribute("aria-current");
    });
    for (i = 0; i < cues.length; i++) {
      var start = parseFloat(cues[i].getAttribute("data-seek"));
      var end = parseFloat(cues[i].getAttribute("data-end"));
      cues[i].classList.toggle("active", start <= t && (isNaN(end) || t < end));
    }
  }

  /* Media Session: lock screen, notification and hardware keys. */
  function mediaSession(item) {
    if (!("mediaSession" in navigator) || typeof MediaMetadata === "undefined") return;
    // artwork must be http(s): from file:// the lock screen shows none rather than warn
    var artwork = item.poster && location.protocol !== "file:"
      ? [{ src: new URL(item.poster, location.href).href }] : [];
    navigator.mediaSession.metadata = new MediaMetadata({
      title: item.title, artist: data.author || "", album: data.show || "", artwork: artwork
    });
  }

  function handle(action, handler) {
    try { navigator.mediaSession.setActionHandler(action, handler); } catch (e) { /* unsupported */ }
  }

  if ("mediaSession" in navigator) {
    handle("play", function () { media.play().catch(function () {}); });
    handle("pause", function () { media.pause(); });
    handle("seekbackward", function (d) { seek(media.currentTime - ((d && d.seekOffset) || 10), false); });
    handle("seekforward", function (d) { seek(media.currentTime + ((d && d.seekOffset) || 30), false); });
    handle("seekto", function (d) { if (d && typeof d.seekTime === "number") seek(d.seekTime, false); });
    if (episodes.length > 1) {
      handle("previoustrack", function () { load(Math.max(0, current - 1), true); });
      handle("nexttrack", function () { load(Math.min(episodes.length - 1, current + 1), true); });
    }
  }

  /* Show page: the episode list loads an episode into the one media element. */
  var buttons = Array.prototype.slice.call(root.querySelectorAll("[data-episode]"));
  var nowTitle = root.querySelector(".now-title");

  function load(index, play) {
    var item = episodes[index];
    if (!item) return;
    current = index;
    var source = media.querySelector("source");
    if (source) { source.src = item.src; source.type = item.type; }
    else media.src = item.src;
    if (media.tagName === "VIDEO") {
      if (item.poster) media.poster = item.poster; else media.removeAttribute("poster");
      Array.prototype.forEach.call(media.querySelectorAll("track"), function (t) { t.remove(); });
      if (item.captions) {
        var track = document.createElement("track");
        track.kind = "captions";
        track.src = item.captions;
        track.srclang = item.lang;
        track.label = "Captions";
        track.default = true;
        media.insertBefore(track, media.querySelector("a"));
      }
    }
    media.setAttribute("aria-label", item.title);
    media.load();
    if (nowTitle) nowTitle.textContent = item.title;
    buttons.forEach(function (b) {
      b.setAttribute("aria-pressed", String(b.getAttribute("data-episode") === String(index)));
    });
    setPeaks(item);
    mediaSession(item);
    if (play) {
      var started = media.play();
      if (started && started.catch) started.catch(function () {});
    }
  }

  buttons.forEach(function (button) {
    button.addEventListener("click", function () {
      load(parseInt(button.getAttribute("data-episode"), 10), true);
    });
  });

  media.addEventListener("timeupdate", function () { highlight(); updateSlider(); drawWave(); });
  media.addEventListener("seeked", function () { highlight(); updateSlider(); drawWave(); });
  media.addEventListener("loadedmetadata", function () { updateSlider(); drawWave(); });

  if (episodes.length) {
    setPeaks(episodes[0]);
    mediaSession(episodes[0]);
  }
})();

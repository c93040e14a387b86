/* media-pub player: its own controls over one <audio>/<video> element (play/pause, skip,
 * speed, times, a waveform seek bar), chapters and a transcript that seek and follow, share
 * at this moment, a subscribe panel, the show page's episode list, the Media Session API,
 * ?theme= and ?layout= chosen by the embedding site, and the height the page posts to its
 * host (SPEC 5.5). Hand-written, no framework, no build step. Everything from metadata
 * arrives as JSON and is only ever set as text, never as HTML. */
(function () {
  "use strict";

  var doc = document.documentElement;
  var query = new URLSearchParams(location.search);
  if (query.get("theme") === "dark" || query.get("theme") === "light") doc.setAttribute("data-theme", query.get("theme"));
  if (query.get("layout") === "compact") doc.setAttribute("data-layout", "compact");

  /* --- the height, told to the host page: {type: "media-pub:resize", height} -------------- */
  var secret = (/[#&?]secret=([A-Za-z0-9]+)/.exec(location.hash) || [])[1];   // WordPress's embed protocol
  var lastHeight = 0;
  function postHeight(force) {
    if (window.parent === window) return;
    var height = Math.ceil(doc.getBoundingClientRect().height);
    if (!force && height === lastHeight) return;
    lastHeight = height;
    window.parent.postMessage({ type: "media-pub:resize", height: height }, "*");
    if (secret) window.parent.postMessage({ message: "height", value: height, secret: secret }, "*");
  }
  window.addEventListener("message", function (event) {
    var d = event.data;
    if (event.source === window.parent && d && (d.type === "media-pub:ready" || d.message === "ready")) postHeight(true);
  });
  if (window.ResizeObserver) new ResizeObserver(function () { postHeight(false); }).observe(doc);
  window.addEventListener("load", function () { postHeight(true); });

  var root = document.querySelector("[data-player]");
  var dataNode = document.getElementById("player-data");
  if (!root || !dataNode) { postHeight(true); return; }
  var data = JSON.parse(dataNode.textContent);
  var media = root.querySelector("audio.media, video.media");
  var episodes = data.episodes || [];
  if (!media || !episodes.length) { root.setAttribute("data-ready", "1"); postHeight(true); return; }
  var current = 0;
  var reducedMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  function $(selector) { return root.querySelector(selector); }
  function all(selector) { return Array.prototype.slice.call(root.querySelectorAll(selector)); }
  function store(key, value) {   // storage is refused in sandboxed frames: never fail for it
    try { if (value === undefined) return localStorage.getItem(key); localStorage.setItem(key, value); }
    catch (e) { return null; }
    return null;
  }

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

  function play() {
    var started = media.play();
    if (started && started.catch) started.catch(function () {});
  }

  function seek(seconds, andPlay) {
    var end = duration();
    media.currentTime = Math.max(0, end ? Math.min(seconds, end) : seconds);
    refresh();
    if (andPlay && media.paused) play();
  }

  /* --- controls ------------------------------------------------------------------------ */
  var playButton = $("[data-action=play]");
  var elapsed = $(".elapsed"), remaining = $(".remaining"), shareTime = $(".share-time");
  var speed = $("[data-action=speed]");

  function showState() {
    var playing = !media.paused && !media.ended;
    root.classList.toggle("playing", playing);
    if (playButton) playButton.setAttribute("aria-label", playing ? "Pause" : "Play");
  }
  if (playButton) playButton.addEventListener("click", function () { if (media.paused || media.ended) play(); else media.pause(); });
  all("[data-step]").forEach(function (button) {
    button.addEventListener("click", function () { seek(media.currentTime + parseFloat(button.getAttribute("data-step")), false); });
  });
  var savedRate = parseFloat(store("media-pub:rate"));
  function setRate(rate) {
    if (!(rate >= 0.5 && rate <= 3)) return;
    media.playbackRate = media.defaultPlaybackRate = rate;
    if (speed) speed.value = String(rate);
  }
  if (speed) speed.addEventListener("change", function () { setRate(parseFloat(speed.value)); store("media-pub:rate", speed.value); });
  if (savedRate) setRate(savedRate);
  media.addEventListener("loadedmetadata", function () { if (speed) setRate(parseFloat(speed.value)); });

  if (media.tagName === "VIDEO") {
    media.addEventListener("click", function () { if (media.paused) play(); else media.pause(); });
    var captions = $("[data-action=captions]");
    if (captions) captions.addEventListener("click", function () {
      var on = captions.getAttribute("aria-pressed") !== "true";
      captions.setAttribute("aria-pressed", String(on));
      Array.prototype.forEach.call(media.textTracks, function (t) { t.mode = on ? "showing" : "hidden"; });
    });
    var full = $("[data-action=fullscreen]");
    if (full) full.addEventListener("click", function () {
      if (document.fullscreenElement) document.exitFullscreen();
      else if (media.requestFullscreen) media.requestFullscreen().catch(function () {});
    });
  }

  /* --- the waveform seek bar: a slider over a canvas of peaks (flat bars without peaks) -- */
  var wave = $(".wave");
  var canvas = wave && wave.querySelector("canvas");
  var peaks = null;

  function drawWave() {
    if (!canvas) return;
    var ratio = window.devicePixelRatio || 1;
    var width = wave.clientWidth, height = wave.clientHeight;
    if (!width || !height) return;
    if (canvas.width !== Math.round(width * ratio)) canvas.width = Math.round(width * ratio);
    if (canvas.height !== Math.round(height * ratio)) canvas.height = Math.round(height * ratio);
    var ctx = canvas.getContext("2d");
    var style = getComputedStyle(wave);
    var played = duration() ? media.currentTime / duration() : 0;
    var bars = peaks || null, count = bars ? bars.length : Math.max(20, Math.floor(width / 4));
    var bar = canvas.width / count;
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    for (var i = 0; i < count; i++) {
      var h = bars ? Math.max(2 * ratio, bars[i] * canvas.height) : canvas.height * 0.25;
      ctx.fillStyle = (i + 0.5) / count <= played
        ? style.getPropertyValue("--accent") : style.getPropertyValue("--wave");
      ctx.fillRect(i * bar, (canvas.height - h) / 2, Math.max(1, bar * 0.7), h);
    }
  }

  function refresh() {
    var t = media.currentTime, end = duration();
    if (elapsed) elapsed.textContent = clock(t);
    if (remaining) remaining.textContent = "-" + clock(Math.max(0, end - t));
    if (shareTime) shareTime.textContent = clock(t);
    if (wave) {
      wave.setAttribute("aria-valuemax", end.toFixed(1));
      wave.setAttribute("aria-valuenow", t.toFixed(1));
      wave.setAttribute("aria-valuetext", spoken(t) + " of " + spoken(end));
    }
    drawWave();
    highlight();
    positionState();
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
      var steps = { ArrowLeft: -5, ArrowDown: -5, ArrowRight: 5, ArrowUp: 5, PageDown: -30, PageUp: 30 };
      if (event.key in steps) seek(media.currentTime + steps[event.key], false);
      else if (event.key === "Home") seek(0, false);
      else if (event.key === "End") seek(duration(), false);
      else return;
      event.preventDefault();
    });
    window.addEventListener("resize", drawWave);
  }

  /* A smooth playhead while playing; with reduced motion it moves only on timeupdate. */
  function animate() {
    if (media.paused || reducedMotion) return;
    drawWave();
    window.requestAnimationFrame(animate);
  }

  /* --- chapters and transcript: anything with data-seek ---------------------------------- */
  var chapterButtons = all(".chapters [data-seek]");
  var cues = all(".lines [data-seek]");
  var lines = $(".lines");
  var follow = $(".transcript-follow");
  var activeCue = null;
  root.addEventListener("click", function (event) {
    var target = event.target.closest("[data-seek]");
    if (target && root.contains(target)) seek(parseFloat(target.getAttribute("data-seek")), true);
  });

  function keepInView(cue) {
    // Scroll only the transcript box, never the page: inside an iframe scrollIntoView
    // would scroll the host page too.
    var top = cue.offsetTop, bottom = top + cue.offsetHeight;
    if (top < lines.scrollTop || bottom > lines.scrollTop + lines.clientHeight) {
      lines.scrollTop = Math.max(0, top - lines.clientHeight / 3);
    }
  }

  function highlight() {
    var t = media.currentTime, i, active = null;
    for (i = 0; i < chapterButtons.length; i++) {
      if (parseFloat(chapterButtons[i].getAttribute("data-seek")) <= t + 0.05) active = chapterButtons[i];
    }
    chapterButtons.forEach(function (b) {
      if (b === active) b.setAttribute("aria-current", "true"); else b.removeAttribute("aria-current");
    });
    var now = null;
    for (i = 0; i < cues.length; i++) {
      var start = parseFloat(cues[i].getAttribute("data-seek"));
      var end = parseFloat(cues[i].getAttribute("data-end"));
      var on = start <= t && (isNaN(end) || t < end);
      cues[i].classList.toggle("active", on);
      if (on) now = cues[i];
    }
    if (now && now !== activeCue && lines && (!follow || follow.checked) && !now.hidden) keepInView(now);
    activeCue = now;
  }

  var search = $(".transcript-search"), searchStatus = $(".search-status");
  if (search) search.addEventListener("input", function () {
    var words = search.value.trim().toLowerCase();
    var shown = 0;
    all(".lines p").forEach(function (p) {
      var hit = !words || p.textContent.toLowerCase().indexOf(words) !== -1;
      p.hidden = !hit;
      if (hit) shown++;
    });
    if (searchStatus) searchStatus.textContent = words ? shown + (shown === 1 ? " line matches" : " lines match") : "";
  });

  /* --- share at this moment, copy the feed URL ------------------------------------------- */
  function copy(text, input, status) {
    function done(message) { if (status) status.textContent = message; }
    if (input) { input.value = text; }
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(function () { done("Copied."); }, function () {
        if (input) { input.focus(); input.select(); }
        done("Select the link and copy it.");
      });
    } else {
      if (input) { input.focus(); input.select(); }
      done("Select the link and copy it.");
    }
  }
  var shareButton = $("[data-action=share]"), shareBox = $(".share-box");
  if (shareButton) shareButton.addEventListener("click", function () {
    var item = episodes[current];
    var url = (item.share || location.href.split("#")[0]) + "#t=" + Math.floor(media.currentTime);
    if (shareBox) shareBox.hidden = false;
    copy(url, $(".share-url"), $(".share-status"));
  });
  var copyFeed = $("[data-action=copy-feed]");
  if (copyFeed) copyFeed.addEventListener("click", function () {
    var input = $(".feed-input");
    copy(input.value, input, $(".copy-status"));
  });

  /* A page opened with #t=90 (or #t=1:30) starts there. */
  function startAt() {
    var match = /(?:^#|[#&])t=([0-9:.]+)/.exec(location.hash);
    if (!match) return null;
    var seconds = match[1].split(":").reduce(function (total, part) { return total * 60 + parseFloat(part || 0); }, 0);
    return isFinite(seconds) ? seconds : null;
  }

  /* --- Media Session: lock screen, notification and hardware keys ------------------------ */
  function mediaSession(item) {
    if (!("mediaSession" in navigator) || typeof MediaMetadata === "undefined") return;
    var artwork = item.poster && location.protocol !== "file:"
      ? [{ src: new URL(item.poster, location.href).href }] : [];
    navigator.mediaSession.metadata = new MediaMetadata({
      title: item.title, artist: data.author || "", album: data.show || "", artwork: artwork
    });
  }
  function positionState() {
    if (!("mediaSession" in navigator) || !navigator.mediaSession.setPositionState || !duration()) return;
    try {
      navigator.mediaSession.setPositionState({ duration: duration(), playbackRate: media.playbackRate,
        position: Math.min(media.currentTime, duration()) });
    } catch (e) { /* a position past the end while loading */ }
  }
  function handle(action, handler) {
    try { navigator.mediaSession.setActionHandler(action, handler); } catch (e) { /* unsupported */ }
  }
  if ("mediaSession" in navigator) {
    handle("play", play);
    handle("pause", function () { media.pause(); });
    handle("seekbackward", function (d) { seek(media.currentTime - ((d && d.seekOffset) || 15), false); });
    handle("seekforward", function (d) { seek(media.currentTime + ((d && d.seekOffset) || 30), false); });
    handle("seekto", function (d) { if (d && typeof d.seekTime === "number") seek(d.seekTime, false); });
    if (episodes.length > 1) {
      handle("previoustrack", function () { load(Math.max(0, current - 1), true); });
      handle("nexttrack", function () { load(Math.min(episodes.length - 1, current + 1), true); });
    }
  }

  /* --- show page: the episode list loads an episode into the one media element ----------- */
  var buttons = all("[data-episode]");
  var nowTitle = $(".now-title");

  function load(index, andPlay) {
    var item = episodes[index];
    if (!item) return;
    current = index;
    var source = media.querySelector("source");
    if (source) { source.src = item.src; source.type = item.type; } else media.src = item.src;
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
    peaks = item.peaks && item.peaks.length ? item.peaks : null;
    mediaSession(item);
    refresh();
    if (andPlay) play();
  }
  buttons.forEach(function (button) {
    button.addEventListener("click", function () { load(parseInt(button.getAttribute("data-episode"), 10), true); });
  });

  ["timeupdate", "seeked", "loadedmetadata", "durationchange", "ratechange"].forEach(function (name) {
    media.addEventListener(name, refresh);
  });
  ["play", "pause", "ended", "playing"].forEach(function (name) { media.addEventListener(name, showState); });
  media.addEventListener("play", function () { window.requestAnimationFrame(animate); });

  peaks = episodes[0].peaks && episodes[0].peaks.length ? episodes[0].peaks : null;
  mediaSession(episodes[0]);
  var start = startAt();
  if (start !== null) media.currentTime = start;
  refresh();
  showState();
  root.setAttribute("data-ready", "1");
  postHeight(true);
})();

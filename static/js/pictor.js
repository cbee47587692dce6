// Pictor's only script. Every page works without it; it adds live progress
// for generation jobs, copy buttons, the OAuth form_post hand-off, and the
// assistant's reply suggestions and "Suggest description" buttons.
"use strict";
(function () {
  // OAuth form_post: send the result to the app right away.
  var auto = document.querySelector("form[data-autosubmit]");
  if (auto) auto.submit();

  // Copy buttons: <button data-copy="#input-id">.
  document.querySelectorAll("button[data-copy]").forEach(function (b) {
    b.hidden = false;
    b.addEventListener("click", function () {
      var el = document.querySelector(b.getAttribute("data-copy"));
      if (!el) return;
      el.select();
      (navigator.clipboard ? navigator.clipboard.writeText(el.value) : Promise.reject()).then(
        function () { b.textContent = "Copied"; },
        function () { document.execCommand && document.execCommand("copy"); b.textContent = "Copied"; });
    });
  });

  // Generation progress: poll the job's JSON until it ends, then reload to
  // show the results form (the page itself renders every state). Providers
  // that stream partial images give a preview_url, new for every preview.
  // The stage, and the progress in quarters, go to a polite live region; after
  // the reload focus moves to the result (the images to pick, or the error).
  var doneKey = "pictor-job-done";
  var result = document.querySelector("[data-result]");
  if (result && sessionStorage.getItem(doneKey) === location.pathname) {
    sessionStorage.removeItem(doneKey);
    var target = result.querySelector("input:checked, input") || result;
    target.focus();
  }
  var job = document.querySelector("[data-job]");
  if (job) {
    var url = job.getAttribute("data-job");
    var bar = job.querySelector("progress");
    var stage = job.querySelector("[data-stage]");
    var preview = job.querySelector("[data-job-preview]");
    var tries = 0;
    var said = "";
    var poll = function () {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (j) {
          if (bar && typeof j.fraction === "number") bar.value = j.fraction;
          if (stage && j.stage) {
            var quarter = typeof j.fraction === "number" ? Math.floor(j.fraction * 4) * 25 : -1;
            var text = j.stage + (quarter > 0 && quarter < 100 ? ", " + quarter + "%" : "");
            if (text !== said) { said = text; stage.textContent = text; }
          }
          if (j.state === "done" || j.state === "failed") {
            sessionStorage.setItem(doneKey, location.pathname);
            location.reload();
            return;
          }
          if (preview && j.preview_url && preview.getAttribute("src") !== j.preview_url) {
            preview.src = j.preview_url;
            preview.hidden = false;
          }
          setTimeout(poll, Math.min(2000, 400 + tries++ * 100));
        })
        .catch(function () { setTimeout(poll, 3000); });
    };
    setTimeout(poll, 400);
  }

  // Post images: drop the blurred placeholder once the image is in, so it
  // does not show beside a picture narrower than its frame.
  document.querySelectorAll(".images .frame .img").forEach(function (img) {
    var done = function () { img.parentNode.classList.add("loaded"); };
    if (img.complete && img.naturalWidth > 0) done();
    else img.addEventListener("load", done);
  });

  // Upload preview.
  var file = document.querySelector("input[type=file][data-preview]");
  if (file) {
    var img = document.querySelector(file.getAttribute("data-preview"));
    file.addEventListener("change", function () {
      if (!img || !file.files || !file.files[0]) return;
      img.src = URL.createObjectURL(file.files[0]);
      img.hidden = false;
    });
  }
  // Remix mask: paint on the source image; on submit the strokes become a
  // PNG of the source's size, transparent where the image may change.
  var maskBox = document.querySelector("[data-mask]");
  if (maskBox) {
    var cv = maskBox.querySelector("canvas"), field = maskBox.querySelector('input[name="mask"]');
    var mw = +maskBox.getAttribute("data-width"), mh = +maskBox.getAttribute("data-height");
    var strokes = [], painting = false;
    cv.width = 320; cv.height = Math.round(320 * mh / mw);
    var g = cv.getContext("2d"), bg = new Image();
    var redraw = function () {
      g.clearRect(0, 0, cv.width, cv.height);
      if (bg.complete) g.drawImage(bg, 0, 0, cv.width, cv.height);
      g.fillStyle = "rgba(255,0,80,0.5)";
      strokes.forEach(function (p) { g.fillRect(p[0] - 12, p[1] - 12, 24, 24); });
    };
    bg.onload = redraw;
    bg.src = maskBox.getAttribute("data-src");
    var at = function (e) { var r = cv.getBoundingClientRect(); return [(e.clientX - r.left) * cv.width / r.width, (e.clientY - r.top) * cv.height / r.height]; };
    cv.addEventListener("pointerdown", function (e) { painting = true; strokes.push(at(e)); redraw(); });
    cv.addEventListener("pointermove", function (e) { if (painting) { strokes.push(at(e)); redraw(); } });
    window.addEventListener("pointerup", function () { painting = false; });
    maskBox.querySelector("[data-mask-clear]").addEventListener("click", function () { strokes = []; redraw(); });
    maskBox.closest("form").addEventListener("submit", function () {
      var use = maskBox.closest("form").querySelector('input[name="use_image"]');
      if (!strokes.length || (use && !use.checked)) { field.value = ""; return; }
      var out = document.createElement("canvas"), k = mw / cv.width;
      out.width = mw; out.height = mh;
      var o = out.getContext("2d");
      o.fillStyle = "#000"; o.fillRect(0, 0, mw, mh);
      strokes.forEach(function (p) { o.clearRect(Math.round((p[0] - 12) * k), Math.round((p[1] - 12) * k), Math.ceil(24 * k), Math.ceil(24 * k)); });
      field.value = out.toDataURL("image/png");
    });
    maskBox.hidden = false;
  }
  // The assistant's endpoints answer JSON: {"error": "..."} on failure.
  var postJSON = function (url, body) {
    return fetch(url, { method: "POST", credentials: "same-origin", headers: { Accept: "application/json" }, body: body })
      .then(function (r) {
        return r.json().then(function (j) {
          if (!r.ok) throw new Error(j.error || "The assistant is not available right now.");
          return j;
        });
      });
  };

  // Reply suggestions: chips that fill the reply box. Nothing is sent until
  // the user presses Reply.
  var sugg = document.querySelector("[data-suggestions]");
  if (sugg) {
    var replyForm = sugg.closest("form");
    var replyBox = replyForm.querySelector("textarea[name=text]");
    var chips = sugg.querySelector(".chips");
    var suggStatus = sugg.querySelector("[data-suggestions-status]");
    var params = new URLSearchParams();
    params.set("csrf_token", replyForm.querySelector("input[name=csrf_token]").value);
    sugg.hidden = false;
    suggStatus.textContent = "loading…";
    postJSON(sugg.getAttribute("data-suggestions"), params).then(function (j) {
      suggStatus.textContent = "";
      (j.suggestions || []).forEach(function (text) {
        var b = document.createElement("button");
        b.type = "button";
        b.className = "button small suggestion";
        b.textContent = text;
        b.addEventListener("click", function () {
          replyBox.value = (sugg.getAttribute("data-prefill") || "") + text;
          replyBox.focus();
        });
        chips.appendChild(b);
      });
      if (!chips.children.length) sugg.hidden = true;
    }, function (err) { suggStatus.textContent = err.message; });
  }

  // "Suggest description": asks the assistant for alt text and puts it in
  // the box for the user to edit. On the upload form the image is uploaded
  // by the request, and the form then posts its media_id instead of the file.
  document.querySelectorAll("button[data-describe]").forEach(function (b) {
    var form = b.closest("form");
    var target = document.querySelector(b.getAttribute("data-target"));
    var status = b.parentNode.querySelector("[data-describe-status]");
    var media = form.querySelector("[data-describe-media]");
    var fileIn = form.querySelector("input[type=file]");
    var csrf = form.querySelector("input[name=csrf_token]").value;
    b.hidden = false;
    if (media && fileIn) {
      fileIn.addEventListener("change", function () { media.value = ""; fileIn.required = true; });
      form.addEventListener("submit", function () { if (media.value) fileIn.disabled = true; });
    }
    b.addEventListener("click", function () {
      var url = b.getAttribute("data-describe");
      var body = new URLSearchParams();
      if (b.hasAttribute("data-describe-upload")) {
        if (media && media.value) url = "/compose/media/" + media.value + "/describe"; // already uploaded
        else if (!fileIn.files || !fileIn.files[0]) { status.textContent = "Choose an image first."; return; }
        else { body = new FormData(); body.set("image", fileIn.files[0]); }
      }
      body.set("csrf_token", csrf);
      b.disabled = true;
      status.textContent = "Describing…";
      postJSON(url, body).then(function (j) {
        target.value = j.description;
        if (media && j.media_id) { media.value = j.media_id; fileIn.required = false; }
        status.textContent = "Suggested: check and edit it before posting.";
        target.focus();
      }, function (err) { status.textContent = err.message; }).then(function () { b.disabled = false; });
    });
  });
})();

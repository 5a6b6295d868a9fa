// The checkpoint officer page: look-ups without a reload, the field cleared and focused
// after each one (a USB scanner types the next code straight into it), and the camera
// mode, which decodes QR codes from the video with jsQR (static/vendor/jsqr/).
// Without this script the page works as plain form posts.
(function () {
  "use strict";
  var form = document.querySelector("[data-officer-lookup]");
  var answer = document.querySelector("[data-officer-answer]");
  if (!form || !answer || !window.fetch) { return; }
  var field = form.querySelector("input[name=q]");

  function ready() {
    field.value = "";
    field.focus();
  }

  function show(html) {
    answer.innerHTML = html;
  }

  function showError(message) {
    var box = document.createElement("div");
    box.className = "alert alert-danger fs-5";
    box.setAttribute("role", "alert");
    box.textContent = message;
    answer.replaceChildren(box);
  }

  // Posts a form of the page and shows what comes back; every answer is JSON.
  function post(target, body) {
    return fetch(target.action, {
      method: "POST",
      body: body,
      headers: { Accept: "application/json" },
      credentials: "same-origin"
    }).then(function (response) {
      return response.json().catch(function () {
        return { message: response.statusText || String(response.status) };
      });
    }).then(function (data) {
      if (data.html !== undefined) { show(data.html); }
      else if (data.error || !data.message) { showError(data.message || ""); }
      else {
        var done = document.createElement("div");
        done.className = "alert alert-success fs-5";
        done.setAttribute("role", "status");
        done.textContent = data.message;
        answer.replaceChildren(done);
      }
    }).catch(function () {
      showError(form.dataset.networkError);
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var body = new FormData(form);
    // Cleared at once: a scanner may type the next person's code before the answer.
    ready();
    post(form, body).then(function () {
      if (document.activeElement !== field && !camera.running) { field.focus(); }
    });
  });

  // The forms inside an answer (choose by birth year, "Đã kiểm tra"). An answer sent to
  // this script carries no CSRF token of its own: the page's is added here.
  var token = form.querySelector("input[name=csrfmiddlewaretoken]");
  answer.addEventListener("submit", function (event) {
    var target = event.target.closest("[data-officer-ajax]");
    if (!target) { return; }
    event.preventDefault();
    var body = new FormData(target);
    if (token && !body.has("csrfmiddlewaretoken")) { body.append("csrfmiddlewaretoken", token.value); }
    post(target, body).then(ready);
  });

  // --- Camera ------------------------------------------------------------------------
  var startButton = form.querySelector("[data-camera-start]");
  var stopButton = form.querySelector("[data-camera-stop]");
  var box = form.querySelector("[data-camera]");
  var video = form.querySelector("[data-camera-video]");
  var status = form.querySelector("[data-camera-status]");
  var canvas = document.createElement("canvas");
  var context = canvas.getContext("2d", { willReadFrequently: true });
  var camera = { running: false, stream: null, last: "", lastAt: 0 };
  // The same code held in front of the camera is looked up once, not every frame.
  var REPEAT_MS = 4000;
  var FRAME_MS = 150;
  // Decoding a full HD frame is slow on a cheap phone; a smaller copy is enough.
  var MAX_SIDE = 640;

  if (!window.jsQR || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    return;
  }
  startButton.hidden = false;

  function scan() {
    if (!camera.running) { return; }
    if (video.readyState >= video.HAVE_CURRENT_DATA && video.videoWidth) {
      var scale = Math.min(1, MAX_SIDE / Math.max(video.videoWidth, video.videoHeight));
      canvas.width = Math.round(video.videoWidth * scale);
      canvas.height = Math.round(video.videoHeight * scale);
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      var image = context.getImageData(0, 0, canvas.width, canvas.height);
      var code = window.jsQR(image.data, image.width, image.height, { inversionAttempts: "attemptBoth" });
      var now = Date.now();
      if (code && code.data && (code.data !== camera.last || now - camera.lastAt > REPEAT_MS)) {
        camera.last = code.data;
        camera.lastAt = now;
        field.value = code.data;
        form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit", { cancelable: true }));
      }
    }
    window.setTimeout(scan, FRAME_MS);
  }

  function stop() {
    camera.running = false;
    if (camera.stream) { camera.stream.getTracks().forEach(function (track) { track.stop(); }); }
    camera.stream = null;
    box.hidden = true;
    stopButton.hidden = true;
    startButton.hidden = false;
    field.focus();
  }

  function start() {
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (stream) {
        camera.stream = stream;
        camera.running = true;
        video.srcObject = stream;
        box.hidden = false;
        startButton.hidden = true;
        stopButton.hidden = false;
        status.textContent = startButton.dataset.scanning || "";
        return video.play();
      })
      .then(scan)
      .catch(function () {
        status.textContent = startButton.dataset.denied || "";
        box.hidden = false;
      });
  }

  startButton.addEventListener("click", start);
  stopButton.addEventListener("click", stop);
  window.addEventListener("pagehide", stop);
  if (startButton.hasAttribute("data-camera-autostart")) { start(); }
}());

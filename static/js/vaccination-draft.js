// The correction request's draft: what is typed is sent to the session as the citizen
// types (a reload or a second visit refills it), and the photo is uploaded as soon as
// photo-shrink.js has made it small ("photo:ready"): checked and held, so it is not
// asked again. Without JavaScript the form still works in one submit.
// The session is saved whole by each request, so a draft save or an upload still on its
// way when the form is sent would overwrite what the submit kept (the code's answers):
// the submit waits for them.
(function () {
  "use strict";
  var form = document.querySelector("form[data-draft-url]");
  if (!form || typeof fetch !== "function" || typeof FormData !== "function") return;
  var data = form.dataset;
  var status = form.querySelector("[data-photo-status]");
  var timer = null;
  var inFlight = [];

  // fetch(), remembered until it settles, so the submit can wait for it.
  function send(url, options) {
    var request = fetch(url, options);
    var settled = request.then(function () {}, function () {});
    inFlight.push(settled);
    settled.then(function () { inFlight.splice(inFlight.indexOf(settled), 1); });
    return request;
  }

  function csrf() {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function say(text) {
    if (status) status.textContent = text || "";
  }

  function saveDraft() {
    var body = new FormData(form);
    body.delete("photo");
    body.delete("captcha_0");
    body.delete("captcha_1");
    send(data.draftUrl, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-CSRFToken": csrf() }
    }).catch(function () { /* the submit saves the draft too */ });
  }

  function firstError(body) {
    var errors = (body && body.errors && body.errors.photo) || [];
    return errors.length ? errors[0].message : "";
  }

  function upload(input) {
    var file = input.files && input.files[0];
    if (!file) return;
    var body = new FormData();
    body.append("photo", file);
    say(data.msgUploading);
    send(data.photoUrl, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-CSRFToken": csrf(), Accept: "application/json" }
    }).then(function (response) {
      return response.json().then(
        function (json) { return { ok: response.ok, body: json }; },
        function () { return { ok: response.ok, body: {} }; }
      );
    }).then(function (result) {
      if (input.files[0] !== file) return; // another photo was chosen meanwhile
      if (result.ok) {
        // Held on the server: the form need not send the file again.
        input.value = "";
        input.classList.remove("is-invalid");
        say(data.msgUploaded);
        return;
      }
      say(firstError(result.body));
      input.classList.add("is-invalid");
      // A photo the server refused would only be refused again with the form.
      input.value = "";
    }).catch(function () {
      say(""); // offline: the file stays in the input and goes with the form
    });
  }

  form.addEventListener("input", function (event) {
    if (event.target.type === "file") return;
    clearTimeout(timer);
    timer = setTimeout(saveDraft, 800);
  });
  form.addEventListener("submit", function (event) {
    clearTimeout(timer);
    if (!inFlight.length) return;
    event.preventDefault();
    var submitter = event.submitter;
    Promise.all(inFlight).then(function () {
      if (form.requestSubmit) form.requestSubmit(submitter || undefined);
      else form.submit();
    });
  });
  form.addEventListener("photo:ready", function (event) {
    if (event.target.type === "file" && data.photoUrl) upload(event.target);
  });
})();

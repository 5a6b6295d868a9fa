// Daily health report: what is typed is saved as a draft on the server (1.5 s after the
// last change, and when the page is hidden), so a dropped connection or a closed tab
// loses nothing. The form works the same without this script ("Lưu nháp" button).
(function () {
  "use strict";
  var form = document.querySelector("form[data-homecare-form]");
  if (!form || typeof fetch !== "function" || typeof FormData !== "function") return;
  var data = form.dataset;
  var status = form.querySelector("[data-draft-status]");
  var DELAY_MS = 1500;
  var timer = null;
  var dirty = false;

  function answers() {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, key) {
      if (typeof value === "string") params.append(key, value);
    });
    return params;
  }

  function say(text) {
    if (status) status.textContent = text;
  }

  function save() {
    timer = null;
    if (!dirty) return;
    dirty = false;
    fetch(data.draftUrl, {
      method: "POST",
      body: answers(),
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" }
    })
      .then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      })
      .then(function (result) {
        if (result.ok && result.body.saved_at) {
          say(data.msgSaved + " " + result.body.saved_at);
        } else {
          say(result.body.error || data.msgSaveFailed);
        }
      })
      .catch(function () {
        dirty = true;
        say(data.msgSaveFailed);
      });
  }

  function changed() {
    dirty = true;
    if (timer) clearTimeout(timer);
    timer = setTimeout(save, DELAY_MS);
  }

  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  form.addEventListener("submit", function () {
    dirty = false;
    if (timer) clearTimeout(timer);
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden" && dirty && navigator.sendBeacon) {
      dirty = false;
      navigator.sendBeacon(data.draftUrl, answers());
    }
  });
})();

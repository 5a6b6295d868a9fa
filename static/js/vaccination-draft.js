// The correction request's draft: what is typed is sent to the session as the citizen
// types (a reload or a second visit refills it), and the photo is uploaded as soon as
// it is chosen (checked and held, so it is not asked again). Without JavaScript the
// form still works in one submit.
(function () {
  "use strict";
  var form = document.querySelector("form[data-draft-url]");
  if (!form) return;
  var timer = null;
  function csrf() {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }
  function saveDraft() {
    var data = new FormData(form);
    data.delete("photo");
    data.delete("captcha_0");
    data.delete("captcha_1");
    fetch(form.dataset.draftUrl, {
      method: "POST", body: data, credentials: "same-origin",
      headers: {"X-CSRFToken": csrf()}
    }).catch(function () {});
  }
  form.addEventListener("input", function (event) {
    if (event.target.type === "file") return;
    clearTimeout(timer);
    timer = setTimeout(saveDraft, 800);
  });
  form.addEventListener("change", function (event) {
    if (event.target.type !== "file" || !event.target.files.length) return;
    var data = new FormData();
    data.append("photo", event.target.files[0]);
    fetch(form.dataset.photoUrl, {
      method: "POST", body: data, credentials: "same-origin",
      headers: {"X-CSRFToken": csrf()}
    }).catch(function () {});
  });
})();

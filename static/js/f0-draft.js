// F0 declaration form: nothing typed or chosen is lost (seed 000's "token" error).
//
// 1. Each photo is uploaded as soon as it is chosen (after photo-shrink.js fires
//    "photo:ready") to the form's data-upload-url; the returned id goes into the hidden
//    "<photo>_id" field and the file input is emptied, so the form does not send it again.
//    A check the photo failed (too small, unreadable) is shown under that photo. For an ID
//    photo, the card's QR (when there is one) is compared with the declared person and
//    the fields that disagree are listed.
// 2. With data-draft-url, what is typed is saved as a draft: 1.5 s after the last change,
//    at once after a photo upload, and when the page is hidden (sendBeacon).
// 3. With data-keep, every change is also kept in this tab's sessionStorage until the
//    server has saved it. When the login has expired (the draft save is refused, or the
//    submit goes to the login page), nothing typed since the last save is lost: after
//    logging in again in this tab, the page puts it back and saves it. The key names the
//    form's draft (its submission key), so a later declaration never gets old answers;
//    the tab's storage is gone when the tab is closed (shared phones).
// Without this script the form still works: photos post with the form and every POST
// saves the draft on the server.
(function () {
  "use strict";
  var form = document.querySelector("form[data-f0-form]");
  if (!form || typeof fetch !== "function" || typeof FormData !== "function") return;
  var data = form.dataset;
  var draftUrl = data.draftUrl || "";
  var DELAY_MS = 1500;
  var timer = null;
  var dirty = false;

  function csrfToken() {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function say(element, text) {
    if (element) element.textContent = text;
  }

  function readJson(response) {
    return response.json().then(
      function (body) { return { status: response.status, body: body || {} }; },
      function () { return { status: response.status, body: {} }; }
    );
  }

  // The form's answers without the files (which are uploaded on their own).
  function answers() {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, key) {
      if (typeof value === "string") params.append(key, value);
    });
    return params;
  }

  // -- drafts ---------------------------------------------------------------------------

  var draftStatus = form.querySelector("[data-draft-status]");

  // -- kept in the tab until saved --------------------------------------------------------

  var keepKey = data.keep ? "kb-keep:" + data.keep : "";
  var notice = ""; // said before the next "saved at" (what was put back)
  var keepPrefix = keepKey ? keepKey.slice(0, keepKey.lastIndexOf(":") + 1) : "";
  var edits = 0;
  var tab = null;
  try {
    tab = window.sessionStorage;
    tab.setItem("kb-keep-check", "1");
    tab.removeItem("kb-keep-check");
  } catch (error) {
    tab = null; // private mode of an old browser: the server draft still works
  }

  // The answers as the page shows them, by name; a name with nothing chosen keeps [] so
  // that restoring it unticks a box ticked in the server's draft.
  function visibleAnswers() {
    var fields = {};
    Array.prototype.forEach.call(form.elements, function (element) {
      var type = element.type;
      if (!element.name || element.name === "csrfmiddlewaretoken" || type === "file" ||
          type === "hidden" || type === "submit" || type === "button") return;
      var values = fields[element.name] || (fields[element.name] = []);
      if (type === "checkbox" || type === "radio") {
        if (element.checked) values.push(element.value);
      } else if (element.multiple) {
        Array.prototype.forEach.call(element.options, function (option) {
          if (option.selected) values.push(option.value);
        });
      } else {
        values.push(element.value);
      }
    });
    return fields;
  }

  function keep() {
    if (!tab || !keepKey) return;
    edits += 1;
    try {
      tab.setItem(keepKey, JSON.stringify({ at: Date.now(), fields: visibleAnswers() }));
    } catch (error) { /* storage full: the server draft is all there is */ }
  }

  function forgetKept(editsWhenSent) {
    if (tab && keepKey && edits === editsWhenSent) tab.removeItem(keepKey);
  }

  function hasOption(select, value) {
    return Array.prototype.some.call(select.options, function (option) {
      return option.value === value;
    });
  }

  // Put back what this tab kept; true when the page changed.
  function restoreKept() {
    if (!tab || !keepKey) return false;
    // Answers kept for an earlier draft of the same person belong to nothing now.
    for (var index = tab.length - 1; index >= 0; index -= 1) {
      var name = tab.key(index);
      if (name && name !== keepKey && name.indexOf(keepPrefix) === 0) tab.removeItem(name);
    }
    var kept = null;
    try { kept = JSON.parse(tab.getItem(keepKey) || "null"); } catch (error) { kept = null; }
    if (!kept || !kept.fields) return false;
    var changed = false;
    Array.prototype.forEach.call(form.elements, function (element) {
      var values = kept.fields[element.name];
      var type = element.type;
      if (!values || type === "file" || type === "hidden" || type === "submit") return;
      if (type === "checkbox" || type === "radio") {
        var on = values.indexOf(element.value) !== -1;
        if (element.checked !== on) { element.checked = on; changed = true; }
      } else if (element.multiple) {
        Array.prototype.forEach.call(element.options, function (option) {
          var selected = values.indexOf(option.value) !== -1;
          if (option.selected !== selected) { option.selected = selected; changed = true; }
        });
      } else if (values.length && element.value !== values[0]) {
        // A ward kept for another province is not in this page's list: left as it is.
        if (element.tagName === "SELECT" && !hasOption(element, values[0])) return;
        element.value = values[0];
        changed = true;
      }
    });
    return changed;
  }

  function showLoginNeeded(message) {
    if (!draftStatus) return;
    draftStatus.textContent = (message || data.msgLoginRequired) + " ";
    if (data.loginUrl) {
      var link = document.createElement("a");
      link.href = data.loginUrl + "?next=" + encodeURIComponent(window.location.pathname);
      link.textContent = data.msgLogin;
      draftStatus.appendChild(link);
    }
  }

  function saveDraft() {
    if (!draftUrl) return;
    clearTimeout(timer);
    timer = null;
    dirty = false;
    var editsWhenSent = edits;
    fetch(draftUrl, {
      method: "POST",
      body: answers(),
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" }
    }).then(readJson).then(function (result) {
      if (result.status === 200) {
        say(draftStatus, notice + data.msgSaved + " " + result.body.saved_at + ".");
        notice = "";
        forgetKept(editsWhenSent);
      } else if (result.status === 409 && result.body.url) {
        showSubmitted(result.body.url);
      } else if (result.body.code === "login_required" || result.body.code === "csrf") {
        dirty = true;
        showLoginNeeded(result.body.error);
      } else {
        dirty = true;
        say(draftStatus, result.body.error || data.msgSaveFailed);
      }
    }).catch(function () {
      dirty = true;
      say(draftStatus, data.msgSaveFailed);
    });
  }

  function showSubmitted(url) {
    draftStatus.textContent = data.msgSubmitted + " ";
    var link = document.createElement("a");
    link.href = url;
    link.textContent = url;
    draftStatus.appendChild(link);
  }

  function scheduleSave(event) {
    if (!draftUrl || (event && event.target.type === "file")) return;
    dirty = true;
    clearTimeout(timer);
    timer = setTimeout(saveDraft, DELAY_MS);
  }

  form.addEventListener("input", keep);
  form.addEventListener("change", keep);
  if (restoreKept()) {
    notice = data.msgRestored + " ";
    say(draftStatus, data.msgRestored);
    if (draftUrl) {
      // Save it now that the login works again (the notice stays until it is saved).
      dirty = true;
      timer = setTimeout(saveDraft, 0);
    }
  }

  if (draftUrl) {
    form.addEventListener("input", scheduleSave);
    form.addEventListener("change", scheduleSave);
    // A phone switching apps may never come back to this page: save what is pending.
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState !== "hidden" || !dirty) return;
      clearTimeout(timer);
      timer = null;
      dirty = false;
      if (navigator.sendBeacon) navigator.sendBeacon(draftUrl, answers());
    });
    // The form is being sent: the server saves the draft itself.
    form.addEventListener("submit", function () { clearTimeout(timer); dirty = false; });
  }

  // -- photos ---------------------------------------------------------------------------

  function nameKey(text) {
    return (text || "").normalize("NFC").toLowerCase().normalize("NFD")
      .replace(/[\u0300-\u036f]/g, "").replace(/[đð]/g, "d")
      .replace(/\s+/g, " ").trim();
  }

  // The declared fields a CCCD QR disagrees with, as khaibao.uploads.cccd does it.
  function cccdMismatches(card) {
    var fields = [];
    var declared = (data.personIdNumber || "").replace(/\s/g, "");
    if (declared !== card.id_number && !(card.old_id_number && declared === card.old_id_number)) {
      fields.push("id_number");
    }
    if (nameKey(data.personName) !== nameKey(card.full_name)) fields.push("full_name");
    if ((data.personDob || "") !== card.date_of_birth) fields.push("date_of_birth");
    return fields;
  }

  function showCccd(box, card) {
    var warning = box.querySelector("[data-cccd-warning]");
    if (!warning) return;
    var fields = card ? cccdMismatches(card) : [];
    warning.querySelectorAll("[data-cccd-field]").forEach(function (item) {
      item.hidden = fields.indexOf(item.getAttribute("data-cccd-field")) === -1;
    });
    warning.hidden = fields.length === 0;
  }

  function showPhoto(box, input, body) {
    var hidden = box.querySelector("input[type=hidden]");
    var preview = box.querySelector("[data-photo-preview]");
    var image = preview && preview.querySelector("img");
    var choose = box.querySelector("[data-photo-choose]");
    if (hidden) hidden.value = body.id;
    if (image) image.src = body.url;
    if (preview) preview.hidden = false;
    if (choose) choose.textContent = choose.getAttribute("data-text-other");
    input.value = "";
    input.classList.remove("is-invalid");
  }

  function upload(input, box) {
    var status = box.querySelector("[data-photo-status]");
    var error = box.querySelector("[data-photo-error]");
    var file = input.files && input.files[0];
    if (!file) return;
    var body = new FormData();
    body.append("file", file);
    body.append("kind", box.getAttribute("data-kind"));
    body.append("person", data.person);
    say(error, "");
    say(status, data.msgUploading);
    fetch(data.uploadUrl, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" }
    }).then(readJson).then(function (result) {
      if (input.files[0] !== file) return; // another photo was chosen meanwhile
      if (result.status === 201) {
        showPhoto(box, input, result.body);
        say(status, data.msgUploaded);
        if (box.getAttribute("data-kind") === "id_document") showCccd(box, result.body.cccd);
        saveDraft();
        return;
      }
      say(status, "");
      say(error, result.body.error || data.msgUploadFailed);
      input.classList.add("is-invalid");
      // A photo the server refused would only be refused again with the form.
      if (result.status === 400 || result.status === 413) input.value = "";
    }).catch(function () {
      // Offline or cut off: the file stays in the input and goes with the form.
      say(status, data.msgUploadFailed);
    });
  }

  form.addEventListener("photo:ready", function (event) {
    var input = event.target;
    var box = input.closest && input.closest("[data-photo-field]");
    if (box && data.uploadUrl) upload(input, box);
  });
})();

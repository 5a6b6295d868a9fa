// The login captcha's "Đổi hình khác": a new image, key and audio in place, so the phone
// number already typed stays. Without this script the link reloads the page instead.
(function () {
  "use strict";
  var box = document.querySelector("[data-captcha]");
  if (!box || typeof fetch !== "function") return;
  var link = box.querySelector("[data-captcha-refresh]");
  var image = box.querySelector("[data-captcha-image]");
  var key = box.querySelector("input[name$='_0']");
  var answer = box.querySelector("input[name$='_1']");
  var audio = box.querySelector("[data-captcha-audio]");
  if (!link || !image || !key) return;
  link.addEventListener("click", function (event) {
    event.preventDefault();
    fetch(box.getAttribute("data-refresh-url"), {
      credentials: "same-origin",
      headers: { "X-Requested-With": "XMLHttpRequest", Accept: "application/json" }
    }).then(function (response) {
      if (!response.ok) throw new Error(String(response.status));
      return response.json();
    }).then(function (data) {
      key.value = data.key;
      image.src = data.image_url;
      if (audio && data.audio_url) {
        audio.src = data.audio_url;
        var fallback = audio.querySelector("a");
        if (fallback) fallback.href = data.audio_url;
      }
      if (answer) {
        answer.value = "";
        answer.focus();
      }
    }).catch(function () {
      window.location.reload();
    });
  });
})();

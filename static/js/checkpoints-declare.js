// The health and entry declaration pages, with JavaScript: the BHYT look-up without
// reloading the page, and the origin's village / point / typed-village fields following
// the lists area-picker.js fills. Without JavaScript the page's buttons do the same on
// the server.
(function () {
  "use strict";

  function show(element, visible) {
    if (element) element.hidden = !visible;
  }

  // -- "Có thẻ bảo hiểm y tế" ------------------------------------------------------------
  document.querySelectorAll("[data-bhyt-url]").forEach(function (box) {
    var button = box.querySelector("[data-bhyt-button]");
    var input = box.querySelector("input[name='bhyt_number']");
    var result = box.querySelector("[data-bhyt-result]");
    var found = box.querySelector("template[data-bhyt-found]");
    var form = button && button.form;
    if (!button || !input || !form) return;
    var fallback = false;

    function message(text) {
      result.textContent = "";
      var alert = document.createElement("div");
      alert.className = "alert alert-danger mb-0";
      alert.textContent = text;
      result.appendChild(alert);
    }

    function chosen(person) {
      var tick = form.querySelector("input[name='persons'][value='" + person.public_id + "']");
      if (tick) tick.checked = true;
      result.textContent = "";
      var answer = found.content.cloneNode(true);
      answer.querySelectorAll("[data-field]").forEach(function (cell) {
        cell.textContent = person[cell.getAttribute("data-field")] || "";
      });
      result.appendChild(answer);
      var card = form.querySelector("[data-person='" + person.public_id + "']");
      if (card) card.scrollIntoView({ block: "nearest" });
    }

    function lookUp(event) {
      if (fallback) return;
      event.preventDefault();
      var data = new FormData();
      data.append("csrfmiddlewaretoken", form.querySelector("[name='csrfmiddlewaretoken']").value);
      data.append("bhyt_number", input.value);
      button.disabled = true;
      fetch(box.getAttribute("data-bhyt-url"), {
        method: "POST",
        body: data,
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      })
        .then(function (response) {
          var type = response.headers.get("Content-Type") || "";
          if (type.indexOf("application/json") === -1) throw new Error("not json");
          return response.json().then(function (body) {
            if (response.ok) chosen(body.person);
            else message(body.error);
          });
        })
        .catch(function () {
          // A signed-out session or a lost connection: post the page the usual way.
          fallback = true;
          button.disabled = false;
          form.requestSubmit(button);
        })
        .finally(function () { button.disabled = false; });
    }

    button.addEventListener("click", lookUp);
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") lookUp(event);
    });
  });

  // -- the origin: village from the list, a point of it, or a village typed by hand --------
  document.querySelectorAll("[data-origin-picker]").forEach(function (picker) {
    var base = picker.getAttribute("data-area-picker");
    var ward = picker.querySelector("select[name$='ward']");
    var village = picker.querySelector("select[name$='village']");
    var point = picker.querySelector("select[name$='point']");
    var villageBox = picker.querySelector("[data-origin-village]");
    var pointBox = picker.querySelector("[data-origin-point]");
    var textBox = picker.querySelector("[data-origin-village-text]");
    if (!ward || !village || !point) return;

    function clearPoint() {
      var first = point.options[0];
      point.innerHTML = "";
      point.appendChild(first);
      show(pointBox, false);
    }

    function villagesListed() {
      show(villageBox, village.options.length > 1);
      show(textBox, Boolean(ward.value) && !village.value);
    }

    // area-picker.js refills the village list after a ward is chosen.
    new MutationObserver(villagesListed).observe(village, { childList: true });
    ward.addEventListener("change", function () {
      clearPoint();
      villagesListed();
    });
    village.addEventListener("change", function () {
      clearPoint();
      villagesListed();
      if (!village.value) return;
      fetch(base.replace("0", village.value), { headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : { children: [] }; })
        .then(function (data) {
          data.children.forEach(function (area) {
            var option = document.createElement("option");
            option.value = area.id;
            option.textContent = area.name;
            point.appendChild(option);
          });
          show(pointBox, data.children.length > 0);
        });
    });
  });

  // -- the checkpoints listed belong to the destination province shown when the page came --
  document.querySelectorAll("select[name='dest-province']").forEach(function (province) {
    var checkpoint = document.querySelector("select[name='checkpoint']");
    if (!checkpoint) return;
    province.addEventListener("change", function () { checkpoint.value = ""; });
  });
})();

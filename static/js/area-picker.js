// Province → ward → village pickers: refill the next list when one changes.
// Without JavaScript the form's "Cập nhật danh sách" button does the same on the server.
(function () {
  "use strict";
  function refill(select, url, emptyLabel) {
    select.disabled = true;
    fetch(url, { headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : { children: [] }; })
      .then(function (data) {
        select.innerHTML = "";
        var empty = document.createElement("option");
        empty.value = "";
        empty.textContent = emptyLabel;
        select.appendChild(empty);
        data.children.forEach(function (area) {
          var option = document.createElement("option");
          option.value = area.id;
          option.textContent = area.name;
          select.appendChild(option);
        });
      })
      .finally(function () { select.disabled = false; });
  }
  document.querySelectorAll("[data-area-picker]").forEach(function (form) {
    var base = form.getAttribute("data-area-picker");
    var province = form.querySelector("select[name$='province']");
    var ward = form.querySelector("select[name$='ward']");
    var village = form.querySelector("select[name$='village']");
    var refresh = form.querySelector("[name='_refresh']");
    if (refresh) refresh.hidden = true;
    function clear(select) {
      if (!select) return;
      var first = select.options[0];
      select.innerHTML = "";
      select.appendChild(first);
    }
    if (province && ward) {
      province.addEventListener("change", function () {
        clear(village);
        if (!province.value) { clear(ward); return; }
        refill(ward, base.replace("0", province.value), ward.options[0].textContent);
      });
      // On a slow phone the province may be chosen before this script has run: the
      // ward list the server sent is then empty, so fill it now.
      if (province.value && ward.options.length <= 1) {
        refill(ward, base.replace("0", province.value), ward.options[0].textContent);
      }
    }
    if (ward && village) {
      ward.addEventListener("change", function () {
        if (!ward.value) { clear(village); return; }
        refill(village, base.replace("0", ward.value), village.options[0].textContent);
      });
    }
  });
})();

// Shrink big phone photos in the browser before they are sent, so slow networks and the
// server's 10 MB limit are rarely hit. On <input type="file" accept="image/*" data-shrink>,
// a chosen image whose long side is over 2000 px or whose file is over 1.5 MB is drawn
// into a canvas at most 2000 px and the input's file is replaced by that JPEG.
// When the browser cannot (no DataTransfer, no canvas.toBlob, an image it cannot decode)
// the original file stays. Nothing here blocks the form: a submit during the shrink
// sends the original, which the server checks the same way.
// When done, the input fires "photo:ready" (bubbling) for scripts that upload at once.
(function () {
  "use strict";
  if (window.KhaiBaoPhotoShrink) return; // the include may appear several times on a page
  var MAX_SIDE = 2000;
  var MAX_BYTES = 1.5 * 1024 * 1024;
  var QUALITY = 0.85;

  function supported() {
    try {
      return typeof DataTransfer === "function" && new DataTransfer().items !== undefined &&
        typeof HTMLCanvasElement.prototype.toBlob === "function" &&
        typeof URL !== "undefined" && typeof URL.createObjectURL === "function";
    } catch (error) {
      return false; // old Safari: DataTransfer exists but cannot be constructed
    }
  }

  // Resolves to {source, width, height, release} with EXIF orientation applied.
  function decode(file) {
    if (typeof createImageBitmap === "function") {
      return createImageBitmap(file, { imageOrientation: "from-image" }).then(function (bitmap) {
        return {
          source: bitmap, width: bitmap.width, height: bitmap.height,
          release: function () { if (bitmap.close) bitmap.close(); }
        };
      }, function () { return decodeWithImg(file); });
    }
    return decodeWithImg(file);
  }

  function decodeWithImg(file) {
    return new Promise(function (resolve, reject) {
      var url = URL.createObjectURL(file);
      var img = new Image();
      img.onload = function () {
        resolve({
          source: img, width: img.naturalWidth, height: img.naturalHeight,
          release: function () { URL.revokeObjectURL(url); }
        });
      };
      img.onerror = function () { URL.revokeObjectURL(url); reject(new Error("decode")); };
      img.src = url;
    });
  }

  function toJpeg(decoded) {
    var scale = Math.min(1, MAX_SIDE / Math.max(decoded.width, decoded.height));
    var canvas = document.createElement("canvas");
    canvas.width = Math.max(1, Math.round(decoded.width * scale));
    canvas.height = Math.max(1, Math.round(decoded.height * scale));
    var context = canvas.getContext("2d");
    context.fillStyle = "#fff"; // transparent PNG areas would turn black in a JPEG
    context.fillRect(0, 0, canvas.width, canvas.height);
    context.drawImage(decoded.source, 0, 0, canvas.width, canvas.height);
    decoded.release();
    return new Promise(function (resolve) { canvas.toBlob(resolve, "image/jpeg", QUALITY); });
  }

  function jpegName(name) {
    return (name || "photo").replace(/\.[^.]*$/, "") + ".jpg";
  }

  function shrink(input) {
    var file = input.files && input.files[0];
    var done = function () {
      delete input.dataset.shrinking;
      input.dispatchEvent(new CustomEvent("photo:ready", { bubbles: true }));
    };
    if (!file || !/^image\//.test(file.type) || !supported()) { done(); return; }
    input.dataset.shrinking = "1";
    decode(file).then(function (decoded) {
      var tooWide = Math.max(decoded.width, decoded.height) > MAX_SIDE;
      if (!tooWide && file.size <= MAX_BYTES) { decoded.release(); return; }
      return toJpeg(decoded).then(function (blob) {
        // Keep the original when the "smaller" JPEG is not smaller and needed no resize.
        if (!blob || (!tooWide && blob.size >= file.size)) return;
        if (input.files[0] !== file) return; // the person chose another photo meanwhile
        var transfer = new DataTransfer();
        transfer.items.add(new File([blob], jpegName(file.name), {
          type: "image/jpeg", lastModified: Date.now()
        }));
        input.files = transfer.files;
      });
    }).catch(function () {
      // Could not decode or draw (e.g. HEIC in a browser that cannot show it): keep it.
    }).then(done);
  }

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (input instanceof HTMLInputElement && input.type === "file" && input.hasAttribute("data-shrink")) {
      shrink(input);
    }
  });
  window.KhaiBaoPhotoShrink = { shrink: shrink, MAX_SIDE: MAX_SIDE, MAX_BYTES: MAX_BYTES };
}());

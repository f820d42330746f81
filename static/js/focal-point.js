// The focal point's live preview on the catalog's change forms (catalog/admin.py,
// crop_preview): the crop follows the "focal point across/down" numbers as they are typed,
// and a click on the whole image moves the point there. Without this script the preview is
// the crop the server cut at the last save, which is what the pages show.
//
// The crop is the uploaded image in a box of the page's size with `object-fit: cover` and
// `object-position: x% y%`: the same arithmetic as Pillow's ImageOps.fit with
// centering=(x/100, y/100), which cuts the renditions (kernel/images.py). Styles are set
// through the CSSOM, which the CSP's style-src 'self' allows (it refuses style attributes).
"use strict";

(() => {
  const clamp = (value) => Math.min(100, Math.max(0, value));

  const setUp = (preview) => {
    const across = document.getElementById("id_image_focus_x");
    const down = document.getElementById("id_image_focus_y");
    const source = preview.dataset.source;
    if (!across || !down || !source) return;

    const whole = document.createElement("figure");
    whole.className = "focal-preview__whole";
    const wholeImage = document.createElement("img");
    wholeImage.src = source;
    wholeImage.alt = "";
    const marker = document.createElement("span");
    marker.className = "focal-preview__marker";
    marker.setAttribute("aria-hidden", "true");
    const caption = document.createElement("figcaption");
    caption.textContent = preview.dataset.wholeLabel;
    const frame = document.createElement("div");
    frame.className = "focal-preview__frame";
    frame.append(wholeImage, marker);
    whole.append(frame, caption);

    const crop = document.createElement("div");
    crop.className = "focal-preview__crop";
    crop.style.width = `${preview.dataset.width}px`;
    crop.style.aspectRatio = `${preview.dataset.width} / ${preview.dataset.height}`;
    const cropImage = document.createElement("img");
    cropImage.src = source;
    cropImage.alt = "";
    crop.append(cropImage);

    const saved = preview.querySelector("img");
    const note = preview.querySelector(".focal-preview__note");
    saved.replaceWith(crop);
    note.textContent = preview.dataset.liveNote;
    preview.prepend(whole);

    const update = () => {
      // A number the form will refuse (empty, out of range) leaves the preview where it was.
      const x = across.valueAsNumber;
      const y = down.valueAsNumber;
      if (!Number.isFinite(x) || !Number.isFinite(y)) return;
      cropImage.style.objectPosition = `${clamp(x)}% ${clamp(y)}%`;
      marker.style.left = `${clamp(x)}%`;
      marker.style.top = `${clamp(y)}%`;
    };

    wholeImage.addEventListener("click", (event) => {
      const box = wholeImage.getBoundingClientRect();
      across.value = String(Math.round(clamp(((event.clientX - box.left) / box.width) * 100)));
      down.value = String(Math.round(clamp(((event.clientY - box.top) / box.height) * 100)));
      update();
    });
    across.addEventListener("input", update);
    down.addEventListener("input", update);
    update();
  };

  // The admin puts a form's scripts in the page's head, before the form.
  const run = () => {
    for (const preview of document.querySelectorAll("[data-focal-preview]")) setUp(preview);
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", run);
  else run();
})();

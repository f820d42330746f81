/* Drag and drop for the member's ranking (picks/_ranking_editor.html), with SortableJS.
 *
 * Only an enhancement: every move also has its "Move up" and "Move down" buttons, which work
 * by keyboard and screen reader, with or without JavaScript. Here the list's handles are
 * shown, and a drop posts the new order through htmx (the form's "ranking-dropped" trigger)
 * with the episode that moved, so the status region can say where it went.
 */
(function () {
  "use strict";

  function enhance(root) {
    if (typeof Sortable === "undefined" || typeof htmx === "undefined") return;
    root.querySelectorAll("[data-ranking-list]").forEach(function (list) {
      if (list.dataset.sortable) return;
      list.dataset.sortable = "1";
      list.classList.add("ranking--sortable");
      list.querySelectorAll("[data-drag-handle]").forEach(function (handle) {
        handle.hidden = false;
      });
      Sortable.create(list, {
        handle: "[data-drag-handle]",
        animation: 150,
        ghostClass: "ranking__item--ghost",
        onEnd: function (event) {
          if (event.oldIndex === event.newIndex) return;
          var form = list.closest("form");
          form.querySelector("[data-dropped]").value = event.item.dataset.episode;
          htmx.trigger(form, "ranking-dropped");
        },
      });
    });
  }

  document.addEventListener("htmx:load", function (event) {
    enhance(event.target);
  });
  enhance(document);
})();

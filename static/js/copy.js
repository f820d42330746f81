/* A "Copy" button beside a read-only address (the recap's Share section).
 *
 * Without JavaScript the address is in a read-only field to select and copy by hand; the
 * button, hidden in the HTML, is shown only where the browser can copy, and says in the
 * status region beneath when it has.
 */
(function () {
  "use strict";
  if (!navigator.clipboard || !navigator.clipboard.writeText) {
    return;
  }
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var field = document.getElementById(button.dataset.copy);
    var status = document.querySelector('[data-copy-status="' + button.dataset.copy + '"]');
    if (!field) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(field.value).then(function () {
        if (status) {
          status.textContent = button.dataset.copied;
        }
      });
    });
  });
})();

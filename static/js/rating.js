/* One save per decision on the rating stars (issue 17, point 15).
 *
 * A click or a tap on a star, or Space on one, is a decision: it is saved at once. The arrow
 * keys only move the choice, as in any group of radio buttons, so that someone listening to
 * a screen reader hears each step ("3 stars, 6 of 10") before choosing; the choice is saved
 * when they press Enter or leave the stars. Saving on every arrow press sent six saves to
 * reach 3½ stars and announced each one.
 *
 * The form posts through htmx on the "rating-decided" event this script sends; without
 * JavaScript it is an ordinary form and its "Save rating" button, hidden here, does that.
 */
(function () {
  "use strict";
  var MOVING_KEYS = ["ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight", "Home", "End"];
  var moving = false;

  function starOf(node) {
    return node && node.closest ? node.closest(".rating-form .stars__input") : null;
  }

  function decide(form) {
    delete form.dataset.pending;
    form.dispatchEvent(new Event("rating-decided"));
  }

  function hideSaveButtons() {
    // Through the style property: the site's CSS gives .form__actions a display that
    // would win over the hidden attribute.
    document.querySelectorAll(".rating-form [data-rating-save]").forEach(function (actions) {
      actions.style.display = "none";
    });
  }

  document.addEventListener("pointerdown", function () {
    moving = false;
  });

  document.addEventListener("keydown", function (event) {
    var star = starOf(event.target);
    if (!star) return;
    if (MOVING_KEYS.indexOf(event.key) !== -1) {
      moving = true;
    } else if (event.key === "Enter") {
      event.preventDefault();
      decide(star.form);
    }
  });

  document.addEventListener("change", function (event) {
    var star = starOf(event.target);
    if (!star) return;
    if (moving) {
      moving = false;
      star.form.dataset.pending = "1";
      return;
    }
    decide(star.form);
  });

  document.addEventListener("focusout", function (event) {
    var star = starOf(event.target);
    if (!star || !star.form.dataset.pending) return;
    if (starOf(event.relatedTarget) && event.relatedTarget.form === star.form) return;
    decide(star.form);
  });

  document.addEventListener("htmx:afterSettle", hideSaveButtons);
  hideSaveButtons();
})();

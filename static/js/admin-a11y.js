// Mends what Django's admin leaves unnamed, on every admin page (templates/admin/base_site.html):
// - the form controls of tabular inlines and of editable list cells have no <label>: each is
//   named after its column's header;
// - a header cell with nothing in it (above an inline's record names, or its delete column when
//   nothing may be deleted) is an empty cell, not a header;
// - select2's autocomplete boxes take their name from the <select> they stand for;
// - the search icons of the two-box selectors (SelectFilter2.js) carry an aria-label on a bare
//   <span>, which needs a role to be allowed.
// Run once the admin's own scripts have built their widgets (autocomplete.js builds select2's in
// a jQuery "ready" handler, queued before this one), at "load" as well, and again when an inline
// gains a row.
"use strict";

(() => {
  const headerText = (th) => th.textContent.replace(/\s+/g, " ").trim();

  const nameTableControls = (table) => {
    const headers = [...table.querySelectorAll("thead th, thead td")];
    for (const row of table.querySelectorAll("tbody tr")) {
      [...row.children].forEach((cell, index) => {
        const header = headers[index];
        const name = header ? headerText(header) : "";
        if (!name) return;
        for (const control of cell.querySelectorAll("input:not([type=hidden]), select, textarea")) {
          if (control.labels.length === 0 && !control.hasAttribute("aria-label")) {
            control.setAttribute("aria-label", name);
          }
        }
      });
    }
  };

  const emptyHeadersToCells = (root) => {
    for (const th of root.querySelectorAll(".tabular thead th")) {
      if (headerText(th) === "" && !th.querySelector("img[alt]")) {
        const td = document.createElement("td");
        td.className = th.className;
        th.replaceWith(td);
      }
    }
  };

  const nameAutocompletes = (root) => {
    for (const select of root.querySelectorAll("select.admin-autocomplete")) {
      const name =
        select.getAttribute("aria-label") ||
        (select.labels[0] && headerText(select.labels[0]).replace(/:$/, ""));
      const container = select.nextElementSibling;
      if (!name || !container || !container.classList.contains("select2")) continue;
      // The box, and the read-only text inside it that shows the choice (empty when none).
      for (const part of container.querySelectorAll("[role=combobox], [role=textbox]")) {
        part.setAttribute("aria-label", name);
      }
    }
  };

  const roleForIcons = (root) => {
    for (const icon of root.querySelectorAll("span.search-label-icon[aria-label]:not([role])")) {
      icon.setAttribute("role", "img");
    }
  };

  const mend = () => {
    for (const table of document.querySelectorAll("#result_list, .tabular table")) {
      nameTableControls(table);
    }
    emptyHeadersToCells(document);
    nameAutocompletes(document);
    roleForIcons(document);
  };

  if (window.django && window.django.jQuery) window.django.jQuery(mend);
  window.addEventListener("load", mend);
  document.addEventListener("formset:added", mend);
})();

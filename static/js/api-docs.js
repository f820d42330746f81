// Swagger UI's markup, mended where assistive technology reads it wrong (axe found each one,
// tests/test_page_quality.py checks them): its headings skip a level under its h1 title,
// every table of responses is an unnamed region, and its copy buttons have no name.
// Swagger UI redraws as readers open operations, so mend after each redraw.
(function () {
  const root = document.getElementById("swagger-ui");
  if (!root) return;
  const mend = () => {
    // h3 operation groups, h4 sections and h5 details each read one level up.
    root.querySelectorAll("h3, h4, h5, h6").forEach((heading) => {
      const level = String(Number(heading.tagName[1]) - 1);
      if (heading.getAttribute("aria-level") !== level) heading.setAttribute("aria-level", level);
    });
    root.querySelectorAll('table[role="region"]:not([aria-label])').forEach((table) => {
      const operation = table.closest(".opblock");
      const path = operation && operation.querySelector(".opblock-summary-path");
      const method = operation && operation.querySelector(".opblock-summary-method");
      const name = [method && method.textContent, path && path.textContent]
        .filter(Boolean)
        .join(" ");
      table.setAttribute("aria-label", name ? `Responses: ${name}` : "Responses");
    });
    root.querySelectorAll(".copy-to-clipboard > button:not([aria-label])").forEach((button) => {
      button.setAttribute("aria-label", "Copy to clipboard");
    });
  };
  new MutationObserver(mend).observe(root, { childList: true, subtree: true });
  mend();
})();

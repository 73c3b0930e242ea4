// leadflow deals: form errors swapped in place, a note for refused requests, and
// drag-and-drop on the pipeline board. Every move also has a button: dragging is a
// shortcut that clicks the card's own button for the column it is dropped on.
(function () {
  "use strict";

  function flash(text) {
    var box = document.getElementById("deal-flash");
    if (box) { box.textContent = text; }
  }

  // A 422 carries the form again with the reason (a missing date, an illegal move):
  // swap it in like a success. Other refusals have no fragment to show; say what happened.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if (status === 422) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    } else if (status === 403) {
      flash("Not allowed: this is not yours to change.");
    } else if (status === 404) {
      flash("Not found: it may have been moved or closed; reload the page.");
    } else if (status >= 400) {
      flash("That did not work (error " + status + "); reload the page and try again.");
    }
  });
  document.addEventListener("htmx:sendError", function () {
    flash("The server could not be reached; nothing was changed.");
  });
  document.addEventListener("htmx:afterSwap", function () { flash(""); });

  document.addEventListener("click", function (event) {
    var close = event.target.closest("[data-close-move]");
    if (!close) { return; }
    var slot = close.closest(".move-slot");
    if (slot) { slot.innerHTML = ""; }
  });

  var dragged = null;

  function clearTargets() {
    document.querySelectorAll(".column.drop-target").forEach(function (column) {
      column.classList.remove("drop-target");
    });
  }

  document.addEventListener("dragstart", function (event) {
    var card = event.target.closest && event.target.closest(".deal-card");
    if (!card) { return; }
    dragged = card;
    card.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.id);
  });

  document.addEventListener("dragend", function () {
    if (dragged) { dragged.classList.remove("dragging"); }
    dragged = null;
    clearTargets();
  });

  document.addEventListener("dragover", function (event) {
    var column = dragged && event.target.closest && event.target.closest(".column");
    if (!column) { return; }
    event.preventDefault();
    clearTargets();
    column.classList.add("drop-target");
  });

  document.addEventListener("drop", function (event) {
    var column = dragged && event.target.closest && event.target.closest(".column");
    if (!column) { return; }
    event.preventDefault();
    clearTargets();
    var card = dragged;
    var stage = column.dataset.stage;
    if (!stage || stage === card.dataset.stage) { return; }
    var button = card.querySelector('[data-to="' + stage + '"]');
    if (button) {
      button.click();
      return;
    }
    // Not a move the card offers: ask the server anyway, so the domain says why not.
    var slot = card.querySelector(".move-slot");
    if (!slot || !window.htmx) { return; }
    window.htmx.ajax("GET", card.dataset.moveUrl.replace("to-stage", stage), {
      source: card, target: slot, swap: "innerHTML"
    });
  });
}());

// The operator console's only script: live figures on the fleet page and a flight's live
// status. Every page works without it, only without the live updates.
"use strict";

function followFleet() {
  const live = document.getElementById("live");
  const readAt = document.getElementById("read-at");
  const problem = document.getElementById("stream-error");
  const source = new EventSource("/console/fleet/events");

  source.addEventListener("figures", (event) => {
    const update = JSON.parse(event.data);
    readAt.textContent = update.readAt;
    for (const row of update.rows) {
      const line = document.querySelector(`tr[data-context="${CSS.escape(row.context)}"]`);
      if (!line) continue;
      for (const [figure, text] of Object.entries(row.cells)) {
        const cell = line.querySelector(`[data-figure="${figure}"]`);
        if (cell) cell.textContent = text;
      }
      line.querySelector('[data-figure="dead"]')?.classList.toggle("alert", row.deadAlert);
    }
    live.dataset.state = "live";
    problem.hidden = true;
  });

  source.addEventListener("problem", (event) => {
    problem.textContent = JSON.parse(event.data).message;
    problem.hidden = false;
  });

  // EventSource reconnects by itself; the dot shows the figures are not current meanwhile.
  source.addEventListener("error", () => { live.dataset.state = "lost"; });
}

// A flight's status from the API's own update stream: the flight as it is, then each change.
function followFlight() {
  const live = document.getElementById("live");
  const updates = document.getElementById("updates");
  const source = new EventSource(`/v1/flights/${encodeURIComponent(live.dataset.flight)}/updates`);
  const show = (field, value) => {
    const cell = document.querySelector(`#flight [data-field="${field}"]`);
    if (cell && value !== undefined && value !== null) cell.textContent = value;
  };
  // Times as the page first showed them: whole seconds.
  const apply = (data) => ["status", "departure", "arrival", "gate"].forEach((field) =>
    show(field, typeof data[field] === "string" ? data[field].replace(/\.\d+Z$/, "Z") : data[field]));
  const changes = { "flight.delayed.v1": "delayed", "flight.cancelled.v1": "cancelled" };

  source.addEventListener("status", (event) => {
    apply(JSON.parse(event.data));
    live.dataset.state = "live";
  });
  for (const type of ["flight.delayed.v1", "flight.gate-changed.v1", "flight.cancelled.v1", "flight.updated.v1"]) {
    source.addEventListener(type, (event) => {
      const data = JSON.parse(event.data);
      apply(data);
      if (changes[type]) show("status", changes[type]);
      const line = document.createElement("li");
      line.textContent = `${new Date().toISOString().slice(11, 19)} ${type}${data.reason ? `: ${data.reason}` : ""}`;
      updates.prepend(line);
    });
  }
  source.addEventListener("error", () => { live.dataset.state = "lost"; });
}

document.addEventListener("DOMContentLoaded", () => {
  if (document.body.dataset.page === "fleet") followFleet();
  if (document.body.dataset.page === "flight") followFlight();
});

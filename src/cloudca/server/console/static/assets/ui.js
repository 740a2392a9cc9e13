// Small DOM helpers every view shares: elements, tables, dialogs, toasts, badges, errors.

/** h("div", {class: "x", onclick: f}, child, "text", [more]) */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(element.dataset, value);
    else if (value === true) element.setAttribute(name, "");
    else element.setAttribute(name, value);
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function shortId(id) {
  return id ? id.slice(0, 8) : "";
}

const STATE_TONES = {
  Running: "good", Ready: "good", Implemented: "good", Active: "good", SUCCESS: "good", BackedUp: "good",
  Stopped: "idle", Allocated: "idle",
  Starting: "busy", Stopping: "busy", Rebooting: "busy", Expunging: "busy", Creating: "busy", PENDING: "busy",
  Destroyed: "bad", Error: "bad", FAILED: "bad",
};

export function badge(state) {
  return h("span", { class: `badge ${STATE_TONES[state] || "idle"}`, "data-state": state }, state || "—");
}

export function when(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  const seconds = Math.round((Date.now() - date.getTime()) / 1000);
  if (seconds < 60) return `${Math.max(seconds, 0)} s ago`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  return date.toLocaleString();
}

/**
 * A table. columns: [{label, cell: row => Node|string, class}]; empty: what to say with no rows.
 * rowAttributes(row) gives attributes for a row (e.g. a data-id for tests and links).
 */
export function table(columns, rows, { empty = "Nothing here yet.", rowAttributes } = {}) {
  if (!rows.length) return h("div", { class: "empty" }, empty);
  return h(
    "table",
    { class: "grid" },
    h("thead", {}, h("tr", {}, columns.map((column) => h("th", { class: column.class }, column.label)))),
    h(
      "tbody",
      {},
      rows.map((row) =>
        h("tr", rowAttributes ? rowAttributes(row) : {}, columns.map((column) => h("td", { class: column.class }, column.cell(row)))),
      ),
    ),
  );
}

/** A table that reloads itself (see live): load() fetches its rows. */
export function liveTable(load, columns, options) {
  return live(load, (rows) => table(columns, rows, options));
}

/** A table's last column: the row's buttons. */
export function rowActions(cell) {
  return { label: "", class: "row-actions", cell };
}

/** A page's head: its title and, under it, the environment it shows (or a line about the page). */
export function pageHead(title, subtitle) {
  return h("div", { class: "page-head" }, h("h1", {}, title), h("p", { class: "muted" }, subtitle));
}

/** A card with a title, optional actions on the right, and a body. */
export function card(title, actions, ...body) {
  return h("section", { class: "card" }, h("header", {}, h("h2", {}, title), h("div", { class: "actions" }, actions || [])), body);
}

export function button(label, onclick, { kind = "", title, testId, disabled } = {}) {
  return h("button", { type: "button", class: `btn ${kind}`, onclick, title, "data-test": testId, disabled }, label);
}

/** An API error in words: what went wrong, the contract's code, and its context. */
export function errorBox(error) {
  const errors = error.errors || [{ errorCode: error.name || "ERROR", message: error.message }];
  return h(
    "div",
    { class: "error-box", role: "alert" },
    errors.map((item) =>
      h(
        "div",
        { class: "error-item" },
        h("strong", {}, item.message || "Something went wrong"),
        h("div", { class: "error-code" }, item.errorCode || "ERROR", item.code ? ` (code ${item.code})` : ""),
        contextList(item.context),
      ),
    ),
  );
}

function contextList(context) {
  const entries = Object.entries(context || {});
  if (!entries.length) return null;
  return h(
    "dl",
    { class: "error-context" },
    entries.map(([key, value]) => [h("dt", {}, key), h("dd", {}, Array.isArray(value) ? value.map(describe).join(", ") : describe(value))]),
  );
}

function describe(value) {
  return value !== null && typeof value === "object" ? JSON.stringify(value) : String(value);
}

export function toast(message, kind = "info") {
  const host = document.getElementById("toasts");
  const item = h("div", { class: `toast ${kind}` }, message);
  host.append(item);
  setTimeout(() => item.remove(), kind === "error" ? 9000 : 4000);
}

/**
 * A modal dialog. body: a Node (often a form). actions: [{label, kind, value, submit}].
 * Resolves with the chosen action's value (or null when dismissed); an action with
 * `run(form)` runs before closing, and an error it throws is shown in the dialog.
 */
export function dialog({ title, body, actions, wide = false }) {
  return new Promise((resolve) => {
    const problems = h("div", { class: "dialog-errors" });
    const form = h("form", { class: "dialog-body", novalidate: true }, body, problems);
    const close = (value) => {
      overlay.remove();
      document.removeEventListener("keydown", onKey);
      resolve(value);
    };
    const onKey = (event) => {
      if (event.key === "Escape") close(null);
    };
    const choose = async (action) => {
      problems.replaceChildren();
      if (action.run) {
        if (!form.reportValidity()) return;
        const buttons = overlay.querySelectorAll("button");
        buttons.forEach((item) => (item.disabled = true));
        try {
          close(await action.run(form));
        } catch (error) {
          problems.replaceChildren(errorBox(error));
          buttons.forEach((item) => (item.disabled = false));
        }
        return;
      }
      close(action.value ?? null);
    };
    const footer = h(
      "footer",
      {},
      actions.map((action) => button(action.label, () => choose(action), { kind: action.kind, testId: action.testId })),
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const primary = actions.find((action) => action.submit);
      if (primary) choose(primary);
    });
    const overlay = h(
      "div",
      { class: "overlay", onclick: (event) => event.target === overlay && close(null) },
      h("div", { class: `dialog ${wide ? "wide" : ""}`, role: "dialog", "aria-label": title }, h("h2", {}, title), form, footer),
    );
    document.addEventListener("keydown", onKey);
    document.body.append(overlay);
    overlay.querySelector("input, select, textarea")?.focus();
  });
}

/** Ask before something that cannot be undone; resolves true when confirmed. */
export async function confirm(title, message, { confirmLabel = "Confirm", danger = true } = {}) {
  const answer = await dialog({
    title,
    body: h("p", {}, message),
    actions: [
      { label: "Cancel", value: false },
      { label: confirmLabel, kind: danger ? "danger" : "primary", value: true, submit: true, testId: "confirm" },
    ],
  });
  return answer === true;
}

/** A button that asks first, then acts: a "danger ghost" button whose confirmation is its label. */
export function askButton(label, question, detail, act, { kind = "danger ghost", testId } = {}) {
  return button(
    label,
    async () => {
      if (await confirm(question, detail, { confirmLabel: label })) await act();
    },
    { kind, testId },
  );
}

/** A dialog's buttons: Cancel, and the one that submits the form to run(form). */
export function submitActions(label, run, { kind = "primary", testId } = {}) {
  return [
    { label: "Cancel", value: null },
    { label, kind, submit: true, testId, run },
  ];
}

/** A labelled form field. */
export function field(label, control, hint) {
  return h("label", { class: "field" }, h("span", { class: "label" }, label), control, hint ? h("small", {}, hint) : null);
}

export function select(name, options, { value, required, placeholder, onchange, multiple } = {}) {
  return h(
    "select",
    { name, required, onchange, multiple },
    placeholder !== undefined ? h("option", { value: "" }, placeholder) : null,
    options.map((option) => h("option", { value: option.value, selected: option.value === value }, option.label)),
  );
}

/** A select of entities: each item's id, labelled by label(item) (its name by default). */
export function choice(name, items, { label = (item) => item.name, ...options } = {}) {
  return select(name, items.map((item) => ({ value: item.id, label: label(item) })), options);
}

export function input(name, { type = "text", value, required, placeholder, min, max, pattern, title } = {}) {
  return h("input", { name, type, value, required, placeholder, min, max, pattern, title });
}

/** The value of a named control of a form ("" when absent). */
export function value(form, name) {
  const control = form.elements.namedItem(name);
  return control ? control.value.trim() : "";
}

export function values(form, name) {
  const control = form.elements.namedItem(name);
  return control ? Array.from(control.selectedOptions).map((option) => option.value) : [];
}

/**
 * A section that reloads itself: load() fetches, render(data) builds the nodes. The DOM is only
 * replaced when the data changed, so a refresh every second does not disturb the reader.
 */
export function live(load, render) {
  const node = h("div", { class: "live" }, h("div", { class: "loading" }, "Loading…"));
  let busy = false;
  let last = null;
  async function refresh() {
    if (busy) return;
    busy = true;
    try {
      const data = await load();
      const fingerprint = JSON.stringify(data);
      if (fingerprint !== last) {
        last = fingerprint;
        node.replaceChildren(render(data));
      }
    } catch (error) {
      last = null;
      node.replaceChildren(errorBox(error));
    } finally {
      busy = false;
    }
  }
  return { node, refresh };
}

// The console's shell: sign-in, the environment picker, navigation and the views' life cycle.

import { auth, environments } from "./api.js";
import { h, errorBox, button, select } from "./ui.js";
import { onTaskChange, pendingCount } from "./tasks.js";
import instances from "./views/instances.js";
import instance from "./views/instance.js";
import storage from "./views/storage.js";
import sshKeys from "./views/ssh_keys.js";
import publicIps from "./views/public_ips.js";
import networks from "./views/networks.js";
import tasks from "./views/tasks.js";

const ROUTES = [
  { path: /^instances$/, view: instances, nav: "instances" },
  { path: /^instances\/([0-9a-f-]{36})$/, view: instance, nav: "instances" },
  { path: /^volumes$/, view: storage, nav: "volumes" },
  { path: /^ssh-keys$/, view: sshKeys, nav: "ssh-keys" },
  { path: /^public-ips$/, view: publicIps, nav: "public-ips" },
  { path: /^networks$/, view: networks, nav: "networks" },
  { path: /^tasks$/, view: tasks, nav: "tasks" },
];

const NAV = [
  ["instances", "Instances"],
  ["volumes", "Volumes & snapshots"],
  ["ssh-keys", "SSH keys"],
  ["public-ips", "Public IPs & forwarding"],
  ["networks", "Networks"],
  ["tasks", "Tasks"],
];

/** Views refresh this often while shown, and at once when a task of this tab ends. */
const REFRESH_MS = 1000;

const root = document.getElementById("app");
let state = { environments: [], environment: null, mounted: null, timer: null };

async function boot() {
  root.classList.remove("booting");
  if (!auth.key) return signIn();
  try {
    state.environments = await environments();
  } catch (error) {
    if (error.status === 401) {
      auth.signOut();
      return signIn(error);
    }
    root.replaceChildren(h("main", { class: "center" }, errorBox(error)));
    return;
  }
  state.environment = state.environments.find((env) => env.id === auth.environment) || state.environments[0] || null;
  if (state.environment) auth.environment = state.environment.id;
  window.addEventListener("hashchange", route);
  onTaskChange(() => {
    updateTaskCount();
    state.mounted?.refresh?.();
  });
  route();
}

function signIn(error) {
  const key = h("input", { name: "key", type: "password", required: true, autocomplete: "off", placeholder: "API key", "data-test": "api-key" });
  const problems = h("div", {}, error ? errorBox(error) : null);
  const form = h(
    "form",
    {
      class: "signin card",
      onsubmit: async (event) => {
        event.preventDefault();
        problems.replaceChildren();
        try {
          await environments(key.value.trim());
        } catch (failure) {
          problems.replaceChildren(errorBox(failure));
          return;
        }
        auth.key = key.value.trim();
        boot();
      },
    },
    h("div", { class: "brand big" }, logo(), "cloudca"),
    h("p", { class: "muted" }, "Sign in with an API key. It is kept for this browser tab only."),
    key,
    h("button", { type: "submit", class: "btn primary", "data-test": "sign-in" }, "Sign in"),
    problems,
    h("p", { class: "muted small" }, "The first start of the server prints the admin key. The API reference is at ", h("a", { href: "/docs" }, "/docs"), "."),
  );
  root.replaceChildren(h("main", { class: "center" }, form));
  key.focus();
}

function logo() {
  return h("img", { src: "/console/assets/favicon.svg", alt: "", width: 28, height: 28 });
}

function layout() {
  const picker = select(
    "environment",
    state.environments.map((env) => ({ value: env.id, label: env.label })),
    {
      value: state.environment?.id,
      onchange: (event) => {
        state.environment = state.environments.find((env) => env.id === event.target.value);
        auth.environment = state.environment.id;
        route();
      },
    },
  );
  picker.setAttribute("data-test", "environment");
  const main = h("main", { class: "content" });
  const shell = h(
    "div",
    { class: "shell" },
    h(
      "aside",
      { class: "sidebar" },
      h(
        "div",
        { class: "sidebar-inner" },
      h("a", { class: "brand", href: "#/instances" }, logo(), "cloudca"),
      h("label", { class: "env-picker" }, h("span", {}, "Environment"), picker),
      h(
        "nav",
        {},
        NAV.map(([path, label]) => h("a", { href: `#/${path}`, "data-nav": path }, label, path === "tasks" ? h("span", { class: "count", id: "task-count" }) : null)),
      ),
      h(
        "div",
        { class: "sidebar-foot" },
        h("a", { href: "/docs", target: "_blank" }, "API reference"),
        button("Sign out", () => {
          auth.signOut();
          location.hash = "";
          location.reload();
        }, { kind: "link", testId: "sign-out" }),
      ),
      ),
    ),
    main,
  );
  root.replaceChildren(shell);
  return main;
}

async function route() {
  const path = location.hash.replace(/^#\/?/, "") || "instances";
  const match = ROUTES.map((item) => ({ item, found: path.match(item.path) })).find((candidate) => candidate.found);
  if (!match) {
    location.hash = "#/instances";
    return;
  }
  clearInterval(state.timer);
  state.mounted?.unmount?.();
  const main = layout();
  for (const link of root.querySelectorAll("nav a")) link.classList.toggle("active", link.dataset.nav === match.item.nav);
  updateTaskCount();
  if (!state.environment) {
    main.replaceChildren(h("div", { class: "empty" }, "This API key sees no environment."));
    return;
  }
  const context = { env: state.environment, main, params: match.found.slice(1), navigate: (hash) => (location.hash = hash) };
  try {
    state.mounted = (await match.item.view(context)) || null;
  } catch (error) {
    main.replaceChildren(errorBox(error));
    return;
  }
  if (state.mounted?.refresh) {
    state.timer = setInterval(() => {
      if (!document.hidden) state.mounted.refresh();
    }, REFRESH_MS);
  }
}

function updateTaskCount() {
  const count = document.getElementById("task-count");
  if (!count) return;
  const pending = pendingCount();
  count.textContent = pending ? String(pending) : "";
}

boot();

// Every instance operation of the API, with a confirmation for the destructive ones. Used by the
// instances table and the instance page.

import { follow, run, track } from "../tasks.js";
import { button, choice, confirm, dialog, field, h, input, select, submitActions, value, values } from "../ui.js";

/** Which operations an instance in `state` offers, in the order they are shown. */
const BY_STATE = {
  Running: ["stop", "reboot", "resetPassword", "changeComputeOffering", "associateSSHKey", "changeNetwork", "rename", "destroy"],
  Stopped: ["start", "reboot", "resetPassword", "changeComputeOffering", "associateSSHKey", "changeNetwork", "rename", "destroy"],
  Error: ["destroy"],
  Destroyed: ["recover", "purge"],
};

const LABELS = {
  start: "Start",
  stop: "Stop",
  reboot: "Reboot",
  resetPassword: "Reset password",
  changeComputeOffering: "Change offering",
  associateSSHKey: "Set SSH key",
  changeNetwork: "Change network",
  rename: "Rename",
  destroy: "Destroy",
  recover: "Recover",
  purge: "Purge",
};

/** The operations that ask first, and what they tell. */
const ASK = {
  stop: "The machine is shut down; its disks and addresses stay.",
  reboot: "The machine restarts; a stopped instance comes up running.",
  purge: "It is removed for good, with its root volume. This cannot be undone.",
};

const PRIMARY = new Set(["start", "stop", "resetPassword", "destroy", "recover", "purge"]);

/** Buttons for the operations of `instance`; `compact` keeps the most used ones only. */
export function instanceActions(env, instance, { compact = false, onDone } = {}) {
  const names = (BY_STATE[instance.state] || []).filter((name) => !compact || PRIMARY.has(name));
  return names.map((name) =>
    button(LABELS[name], () => perform(env, instance, name).then(onDone, () => onDone?.()), {
      kind: name === "destroy" || name === "purge" ? "danger ghost" : "ghost",
      testId: `op-${name}`,
    }),
  );
}

async function perform(env, instance, name) {
  const operation = (label, body) =>
    run(`${label} ${instance.name}`, () => env.mutate("POST", "instances", { id: instance.id, operation: name, body }));
  if (name in ASK) {
    const confirmed = await confirm(`${LABELS[name]} ${instance.name}?`, ASK[name], { confirmLabel: LABELS[name] });
    return confirmed ? operation(LABELS[name]) : null;
  }
  switch (name) {
    case "start":
    case "recover":
      return operation(LABELS[name]);
    case "resetPassword":
      return resetPassword(env, instance);
    case "destroy":
      return destroy(env, instance);
    case "rename":
      return rename(env, instance);
    default:
      return changeDialog(env, instance, name);
  }
}

async function resetPassword(env, instance) {
  const confirmed = await confirm(
    `Reset the password of ${instance.name}?`,
    `A new password is generated for ${instance.username || "the default user"}; the old one stops working.`,
    { confirmLabel: "Reset password" },
  );
  if (!confirmed) return null;
  const result = await run(`Reset password of ${instance.name}`, () =>
    env.mutate("POST", "instances", { id: instance.id, operation: "resetPassword" }),
  );
  await showPassword(instance, result.password);
  return result;
}

/** The password of a task result, shown once: it is not stored anywhere the console can read again. */
export async function showPassword(instance, password) {
  const shown = h("code", { class: "secret", "data-test": "password" }, password || "(this template has no password)");
  await dialog({
    title: `New password of ${instance.name}`,
    body: h(
      "div",
      {},
      h("p", {}, `User ${instance.username || ""}. Copy it now: it is shown only this once.`),
      h("div", { class: "secret-row" }, shown, button("Copy", () => navigator.clipboard?.writeText(password || ""), { kind: "ghost" })),
    ),
    actions: [{ label: "Done", kind: "primary", value: true, submit: true, testId: "done" }],
  });
}

async function destroy(env, instance) {
  const [volumes, rules] = await Promise.all([
    env.list("volumes", { instance_id: instance.id, type: "data" }),
    env.get("instances", instance.id).then((full) => full.publicIps || []),
  ]);
  const body = h(
    "div",
    {},
    h("p", {}, `${instance.name} is stopped and marked Destroyed; it can be recovered until it is purged.`),
    h("label", { class: "check" }, h("input", { type: "checkbox", name: "purge" }), "Purge it at once (cannot be undone)"),
    h("label", { class: "check" }, h("input", { type: "checkbox", name: "snapshots" }), "Delete the snapshots of its volumes"),
    rules.length
      ? field("Release public IPs with it", choice("ips", rules, { label: (ip) => ip.ipAddress, multiple: true }))
      : null,
    volumes.length
      ? field("Delete data volumes with it", choice("volumes", volumes, { label: (volume) => `${volume.name} (${volume.sizeInGb} GB)`, multiple: true }))
      : null,
  );
  return dialog({
    title: `Destroy ${instance.name}?`,
    body,
    actions: submitActions(
      "Destroy",
      (form) => {
        const request = {
          purgeImmediately: form.elements.namedItem("purge").checked,
          deleteSnapshots: form.elements.namedItem("snapshots").checked,
          publicIpIdsToRelease: values(form, "ips"),
          volumeIdsToDelete: values(form, "volumes"),
        };
        const started = env.mutate("DELETE", "instances", { id: instance.id, body: request });
        return started.then((taskId) => {
          track(taskId, `Destroy ${instance.name}`).catch(() => {});
          return taskId;
        });
      },
      { kind: "danger", testId: "confirm" },
    ),
  });
}

async function rename(env, instance) {
  return dialog({
    title: `Rename ${instance.name}`,
    body: h(
      "div",
      {},
      field("Name", input("name", { value: instance.name, required: true })),
      field("Host name", input("hostname", { value: instance.hostname }), "Letters, digits, - and _; a running instance reboots when it changes."),
    ),
    actions: submitActions("Save", (form) => {
      const body = { name: value(form, "name") };
      if (value(form, "hostname") !== (instance.hostname || "")) body.hostname = value(form, "hostname");
      return follow(env.mutate("PUT", "instances", { id: instance.id, body }), `Update ${instance.name}`);
    }),
  });
}

/** changeComputeOffering, associateSSHKey, changeNetwork: a choice, then the operation. */
async function changeDialog(env, instance, name) {
  let body;
  let build;
  if (name === "changeComputeOffering") {
    const offerings = await env.list("computeofferings");
    const custom = h("div", { class: "row" });
    const chosen = choice("offering", offerings, {
      value: instance.computeOfferingId,
      onchange: () => fillCustom(custom, offerings.find((item) => item.id === chosen.value)),
    });
    fillCustom(custom, offerings.find((item) => item.id === instance.computeOfferingId));
    body = h("div", {}, field("Compute offering", chosen, "A running instance reboots."), custom);
    build = (form) => withCustom(form, { computeOfferingId: value(form, "offering") });
  } else if (name === "associateSSHKey") {
    const keys = await env.list("sshkeys");
    body = field("SSH key", select("key", keys.map((key) => ({ value: key.name, label: key.name })), { required: true, placeholder: "Choose a key" }), "Replaces the default user's key; a running instance reboots.");
    build = (form) => ({ sshKeyName: value(form, "key") });
  } else {
    const networks = (await env.list("networks")).filter((network) => network.id !== instance.networkId && network.zoneId === instance.zoneId);
    body = field("Network", choice("network", networks, { label: (network) => `${network.name} (${network.cidr})`, required: true, placeholder: "Choose a network" }), "Its port forwarding rules are deleted and it gets a new address.");
    build = (form) => ({ networkId: value(form, "network") });
  }
  return dialog({
    title: `${LABELS[name]}: ${instance.name}`,
    body,
    actions: submitActions(
      LABELS[name],
      (form) => follow(env.mutate("POST", "instances", { id: instance.id, operation: name, body: build(form) }), `${LABELS[name]} ${instance.name}`),
      { testId: "confirm" },
    ),
  });
}

/** CPU and memory choices of a custom offering (nothing for a fixed one). */
export function fillCustom(container, offering) {
  if (!offering?.custom) {
    container.replaceChildren();
    return;
  }
  const cpus = (offering.availableCpuCountValues || []).map((count) => ({ value: String(count), label: `${count} vCPU` }));
  const memory = (offering.availableMemoryInMBValues || []).map((mb) => ({ value: String(mb), label: mb >= 1024 ? `${mb / 1024} GB` : `${mb} MB` }));
  container.replaceChildren(
    field("vCPUs", select("cpuCount", cpus, { required: true, placeholder: "Choose" })),
    field("Memory", select("memoryInMB", memory, { required: true, placeholder: "Choose" }), offering.maxMemoryInMBToCpuRatio ? `At most ${offering.maxMemoryInMBToCpuRatio} MB per vCPU` : null),
  );
}

export function withCustom(form, body) {
  if (value(form, "cpuCount")) body.cpuCount = Number(value(form, "cpuCount"));
  if (value(form, "memoryInMB")) body.memoryInMB = Number(value(form, "memoryInMB"));
  return body;
}

// One instance: its facts, every operation, and what hangs off it: volumes, public IPs and their
// rules, NICs, and the tasks that ran on it.

import { badge, card, h, live, shortId, table, when } from "../ui.js";
import { memory } from "./instances.js";
import { instanceActions } from "./operations.js";

export default async function instancePage({ env, main, params }) {
  const [id] = params;
  const load = async () => {
    const [instance, volumes, rules, nics, tasks] = await Promise.all([
      env.get("instances", id),
      env.list("volumes", { instance_id: id }),
      env.list("portforwardingrules", { instance_id: id }),
      env.list("nics", { instance_id: id }).catch(() => null),
      env.tasks({ entity_id: id, limit: 20 }),
    ]);
    return { instance, volumes, rules, nics: nics || instance.nics || [], tasks };
  };
  const section = live(load, (data) => render(env, data, () => section.refresh()));
  main.replaceChildren(section.node);
  await section.refresh();
  return { refresh: section.refresh };
}

function render(env, { instance, volumes, rules, nics, tasks }, refresh) {
  const facts = [
    ["State", badge(instance.state)],
    ["Private IP", h("code", {}, instance.ipAddress || "—")],
    ["MAC address", h("code", {}, instance.macAddress || "—")],
    ["Offering", `${instance.computeOfferingName} (${instance.cpuCount} vCPU, ${memory(instance.memoryInMB)})`],
    ["Template", instance.templateName],
    ["Network", `${instance.networkName} in ${instance.vpcName}`],
    ["Zone", instance.zoneName],
    ["Host name", instance.hostname],
    ["User", instance.username],
    ["SSH key", instance.sshKeyName || "—"],
    ["Id", h("code", {}, instance.id)],
  ];
  return h(
    "div",
    { "data-instance": instance.id },
    h(
      "div",
      { class: "page-head" },
      h("a", { href: "#/instances", class: "muted" }, "← Instances"),
      h("h1", {}, instance.name, " ", badge(instance.state)),
      h("div", { class: "toolbar" }, instanceActions(env, instance, { onDone: refresh })),
    ),
    h(
      "div",
      { class: "columns" },
      card("Overview", null, h("dl", { class: "facts" }, facts.map(([label, value]) => [h("dt", {}, label), h("dd", {}, value)]))),
      card(
        "Public IPs and rules",
        null,
        table(
          [
            { label: "Public", cell: (rule) => h("code", {}, `${rule.ipAddress}:${range(rule.publicPortStart, rule.publicPortEnd)}`) },
            { label: "", cell: () => "→" },
            { label: "Private", cell: (rule) => h("code", {}, `${rule.privateIp}:${range(rule.privatePortStart, rule.privatePortEnd)}`) },
            { label: "Protocol", cell: (rule) => rule.protocol },
          ],
          rules,
          { empty: staticNat(instance) || "No port is forwarded to this instance." },
        ),
      ),
    ),
    card(
      "Volumes",
      null,
      table(
        [
          { label: "Name", cell: (volume) => volume.name },
          { label: "Type", cell: (volume) => (volume.type === "os" ? "root" : "data") },
          { label: "Size", cell: (volume) => `${volume.sizeInGb} GB` },
          { label: "Offering", cell: (volume) => volume.diskOfferingName || "" },
          { label: "State", cell: (volume) => badge(volume.state) },
        ],
        volumes,
        { empty: "No volumes." },
      ),
    ),
    card(
      "Network interfaces",
      null,
      table(
        [
          { label: "NIC", cell: (nic) => nic.name || shortId(nic.id) },
          { label: "Address", cell: (nic) => h("code", {}, nic.ipAddress || "") },
          { label: "Network", cell: (nic) => nic.networkName || shortId(nic.networkId) },
          { label: "Default", cell: (nic) => (nic.isDefault ? "yes" : "") },
        ],
        nics,
        { empty: "No NICs." },
      ),
    ),
    card("Tasks", h("a", { href: "#/tasks" }, "All tasks"), taskTable(tasks)),
  );
}

function staticNat(instance) {
  const nat = (instance.publicIps || []).filter((ip) => (ip.purposes || []).includes("STATIC_NAT"));
  return nat.length ? `Static NAT from ${nat.map((ip) => ip.ipAddress).join(", ")}.` : null;
}

function range(start, end) {
  return end && end !== start ? `${start}-${end}` : String(start);
}

/** A table of tasks as the environment's task list gives them. */
export function taskTable(tasks) {
  return table(
    [
      { label: "Task", cell: (task) => h("code", { title: task.id }, shortId(task.id)) },
      { label: "Operation", cell: (task) => task.kind },
      { label: "Status", cell: (task) => badge(task.status) },
      { label: "Started", cell: (task) => when(task.created) },
      { label: "Outcome", cell: outcome },
    ],
    tasks,
    { empty: "No recent tasks.", rowAttributes: (task) => ({ "data-task": task.id, "data-status": task.status }) },
  );
}

function outcome(task) {
  if (task.status === "PENDING") return h("span", { class: "muted" }, "running…");
  const errors = task.result?.errors;
  if (task.status === "FAILED" && errors?.length) {
    return h("span", { class: "error-text" }, `${errors[0].errorCode}: ${errors[0].message}`);
  }
  const result = task.result || {};
  return h("span", { class: "muted" }, [result.name, result.state].filter(Boolean).join(" · "));
}

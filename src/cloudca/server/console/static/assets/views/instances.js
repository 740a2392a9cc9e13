// Instances: the live table and the create form (every option of the create call).

import { track } from "../tasks.js";
import { badge, button, card, choice, dialog, field, h, input, liveTable, pageHead, rowActions, select, submitActions, value, values } from "../ui.js";
import { fillCustom, instanceActions, showPassword, withCustom } from "./operations.js";

export default async function instances({ env, main }) {
  const section = liveTable(
    () => env.list("instances"),
    [
      { label: "Name", cell: (row) => h("a", { href: `#/instances/${row.id}`, class: "strong" }, row.name) },
      { label: "State", cell: (row) => badge(row.state) },
      { label: "Private IP", cell: (row) => h("code", {}, row.ipAddress || "") },
      { label: "Offering", cell: (row) => `${row.computeOfferingName} · ${row.cpuCount} vCPU · ${memory(row.memoryInMB)}` },
      { label: "Template", cell: (row) => row.templateName },
      { label: "Network", cell: (row) => row.networkName },
      rowActions((row) => instanceActions(env, row, { compact: true, onDone: section.refresh })),
    ],
    {
      empty: h("div", {}, h("p", {}, "No instances yet."), button("Create your first instance", () => create(env, section.refresh), { kind: "primary" })),
      rowAttributes: (row) => ({ "data-id": row.id, "data-name": row.name }),
    },
  );
  main.replaceChildren(
    pageHead("Instances", env.label),
    card("Virtual machines", [button("Create instance", () => create(env, section.refresh), { kind: "primary", testId: "create-instance" })], section.node),
  );
  await section.refresh();
  return { refresh: section.refresh };
}

export function memory(mb) {
  if (!mb) return "";
  return mb >= 1024 ? `${mb / 1024} GB` : `${mb} MB`;
}

async function create(env, refresh) {
  const [templates, offerings, networks, diskOfferings, keys, groups, volumes] = await Promise.all([
    env.list("templates"),
    env.list("computeofferings"),
    env.list("networks"),
    env.list("diskofferings"),
    env.list("sshkeys"),
    env.list("affinitygroups"),
    env.list("volumes", { type: "data" }),
  ]);
  const custom = h("div", { class: "row" });
  const offering = choice("computeOfferingId", offerings, {
    required: true,
    placeholder: "Choose an offering",
    onchange: () => fillCustom(custom, offerings.find((item) => item.id === offering.value)),
  });
  const diskExtras = h("div", { class: "row" });
  const disk = choice("diskOfferingId", diskOfferings, {
    placeholder: "No data volume",
    onchange: () => fillDisk(diskExtras, diskOfferings.find((item) => item.id === disk.value)),
  });
  const antiAffinity = groups.filter((group) => !/dedicat/i.test(group.type || ""));
  const dedicated = groups.filter((group) => /dedicat/i.test(group.type || ""));
  const detached = volumes.filter((volume) => !volume.instanceId);
  const body = h(
    "div",
    { class: "form-grid" },
    h("div", { class: "row" },
      field("Name", input("name", { required: true, placeholder: "e.g. web-1" })),
      field("Host name", input("hostname", { placeholder: "defaults to the name" }), "Letters, digits, - and _")),
    h("div", { class: "row" },
      field("Template", choice("templateId", templates.filter((item) => item.isReady !== false), { required: true, placeholder: "Choose a template" })),
      field("Root volume (GB)", input("rootVolumeSizeInGb", { type: "number", min: 1, placeholder: "template default" }), "Resizable templates only")),
    h("div", { class: "row" }, field("Compute offering", offering)),
    custom,
    h("div", { class: "row" },
      field("Network", choice("networkId", networks, { label: (item) => `${item.name} · ${item.cidr} · ${item.zoneName}`, required: true, placeholder: "Choose a network" })),
      field("Private IP", input("ipAddress", { placeholder: "any free address" }))),
    h("div", { class: "row" },
      field("SSH key", select("sshKeyName", keys.map((key) => ({ value: key.name, label: key.name })), { placeholder: "None" })),
      field("Ports to forward", input("portsToForward", { placeholder: "e.g. 22, 80", pattern: "^\\s*\\d+(\\s*,\\s*\\d+)*\\s*$", title: "Port numbers separated by commas" }), "From a public IP of the VPC")),
    field("Or a public key", h("textarea", { name: "publicKey", rows: 2, placeholder: "ssh-ed25519 AAAA… (instead of a registered key)" })),
    h("div", { class: "row" }, field("Data volume", disk), field("Attach an existing volume", choice("volumeIdToAttach", detached, { label: (item) => `${item.name} (${item.sizeInGb} GB)`, placeholder: "None" }))),
    diskExtras,
    h("div", { class: "row" },
      field("Anti-affinity groups", antiAffinity.length ? choice("affinityGroupIds", antiAffinity, { multiple: true }) : h("span", { class: "muted" }, "No anti-affinity group in this environment")),
      field("Dedicated group", dedicated.length ? choice("dedicatedGroupId", dedicated, { placeholder: "None" }) : h("span", { class: "muted" }, "No dedicated group"))),
    field("User data", h("textarea", { name: "userData", rows: 3, placeholder: "#cloud-config or a script, passed to the guest as is" })),
  );
  const result = await dialog({
    title: "Create an instance",
    wide: true,
    body,
    actions: submitActions("Create", (form) => env.mutate("POST", "instances", { body: createBody(form) }).then((taskId) => ({ taskId, name: value(form, "name") })), { testId: "submit-create" }),
  });
  if (!result) return;
  refresh();
  try {
    const created = await track(result.taskId, `Create ${result.name}`);
    if (created?.password) await showPassword(created, created.password);
  } catch {
    // The toast and the tasks panel tell why.
  }
}

function fillDisk(container, offering) {
  const fields = [];
  if (offering?.customSize) fields.push(field("Data volume size (GB)", input("additionalDiskSizeInGb", { type: "number", min: 1, required: true })));
  if (offering?.customIops) fields.push(field("Data volume IOPS", input("additionalDiskIops", { type: "number", min: offering.minIops || 1, max: offering.maxIops })));
  container.replaceChildren(...fields);
}

function createBody(form) {
  const body = withCustom(form, {
    name: value(form, "name"),
    templateId: value(form, "templateId"),
    computeOfferingId: value(form, "computeOfferingId"),
    networkId: value(form, "networkId"),
  });
  for (const name of ["hostname", "ipAddress", "sshKeyName", "publicKey", "userData", "diskOfferingId", "volumeIdToAttach", "dedicatedGroupId"]) {
    if (value(form, name)) body[name] = form.elements.namedItem(name).value;
  }
  for (const name of ["rootVolumeSizeInGb", "additionalDiskSizeInGb", "additionalDiskIops"]) {
    if (value(form, name)) body[name] = Number(value(form, name));
  }
  const ports = value(form, "portsToForward");
  if (ports) body.portsToForward = ports.split(",").map((port) => port.trim()).filter(Boolean);
  const groups = values(form, "affinityGroupIds");
  if (groups.length) body.affinityGroupIds = groups;
  return body;
}

// Volumes and snapshots: list, create (a data volume attached to an instance), attach, detach,
// snapshot, delete.

import { follow, run } from "../tasks.js";
import { askButton, badge, button, card, choice, dialog, field, h, input, liveTable, pageHead, rowActions, submitActions, value, when } from "../ui.js";

export default async function storagePage({ env, main }) {
  const act = (label, start) => run(label, start).catch(() => {}).finally(refresh);
  const volumes = liveTable(
    () => env.list("volumes"),
    [
      { label: "Name", cell: (volume) => h("strong", {}, volume.name) },
      { label: "Type", cell: (volume) => (volume.type === "os" ? "root" : "data") },
      { label: "Size", cell: (volume) => `${volume.sizeInGb} GB` },
      { label: "Instance", cell: (volume) => (volume.instanceId ? h("a", { href: `#/instances/${volume.instanceId}` }, volume.instanceName) : h("span", { class: "muted" }, "detached")) },
      { label: "Offering", cell: (volume) => volume.diskOfferingName || "" },
      { label: "State", cell: (volume) => badge(volume.state) },
      rowActions((volume) => [
        button("Snapshot", () => act(`Snapshot ${volume.name}`, () => env.mutate("POST", "volumes", { id: volume.id, operation: "snapshot" })), { kind: "ghost", testId: "snapshot" }),
        volume.type === "data" && volume.instanceId
          ? askButton("Detach", `Detach ${volume.name}?`, `It is removed from ${volume.instanceName}; its data stays.`, () => {
              act(`Detach ${volume.name}`, () => env.mutate("POST", "volumes", { id: volume.id, operation: "detachFromInstance" }));
            }, { kind: "ghost" })
          : null,
        volume.type === "data" && !volume.instanceId ? button("Attach", () => attach(env, volume, refresh), { kind: "ghost" }) : null,
        volume.type === "data" && !volume.instanceId
          ? askButton("Delete", `Delete ${volume.name}?`, "The volume and its data are deleted. This cannot be undone.", () => {
              act(`Delete ${volume.name}`, () => env.mutate("DELETE", "volumes", { id: volume.id }));
            }, { testId: "delete" })
          : null,
      ]),
    ],
    { empty: "No volumes yet: every instance has a root volume, and data volumes can be added.", rowAttributes: (volume) => ({ "data-name": volume.name }) },
  );
  const snapshots = liveTable(
    () => env.list("snapshots"),
    [
      { label: "Name", cell: (snapshot) => snapshot.name },
      { label: "Volume", cell: (snapshot) => `${snapshot.volume} (${snapshot.volumeType === "os" ? "root" : "data"})` },
      { label: "Taken", cell: (snapshot) => when(snapshot.created || snapshot.creationDate) },
      { label: "State", cell: (snapshot) => badge(snapshot.state) },
      rowActions((snapshot) =>
        askButton("Delete", `Delete the snapshot ${snapshot.name}?`, "This cannot be undone.", () => {
          act(`Delete snapshot ${snapshot.name}`, () => env.mutate("DELETE", "snapshots", { id: snapshot.id }));
        }),
      ),
    ],
    { empty: "No snapshots. Take one from a volume above." },
  );
  const refresh = () => Promise.all([volumes.refresh(), snapshots.refresh()]);
  main.replaceChildren(
    pageHead("Volumes & snapshots", env.label),
    card("Volumes", [button("Create volume", () => create(env, refresh), { kind: "primary", testId: "create-volume" })], volumes.node),
    card("Snapshots", null, snapshots.node),
  );
  await refresh();
  return { refresh };
}

async function create(env, refresh) {
  const [offerings, instances] = await Promise.all([env.list("diskofferings"), env.list("instances")]);
  const extras = h("div", { class: "row" });
  const offering = choice("diskOfferingId", offerings, {
    required: true,
    placeholder: "Choose an offering",
    onchange: () => {
      const chosen = offerings.find((item) => item.id === offering.value);
      const fields = [];
      if (chosen?.customSize) fields.push(field("Size (GB)", input("sizeInGb", { type: "number", min: 1, required: true })));
      if (chosen?.customIops) fields.push(field("IOPS", input("iops", { type: "number", min: chosen.minIops || 1, max: chosen.maxIops })));
      extras.replaceChildren(...fields);
    },
  });
  await dialog({
    title: "Create a data volume",
    body: h(
      "div",
      {},
      field("Name", input("name", { required: true })),
      field("Disk offering", offering),
      extras,
      field("Attach to", choice("instanceId", instances.filter((item) => item.state !== "Destroyed"), { required: true, placeholder: "Choose an instance" })),
    ),
    actions: submitActions("Create", (form) => {
      const body = { name: value(form, "name"), diskOfferingId: value(form, "diskOfferingId"), instanceId: value(form, "instanceId") };
      if (value(form, "sizeInGb")) body.sizeInGb = Number(value(form, "sizeInGb"));
      if (value(form, "iops")) body.iops = Number(value(form, "iops"));
      return follow(env.mutate("POST", "volumes", { body }), `Create volume ${body.name}`, refresh);
    }),
  });
  refresh();
}

async function attach(env, volume, refresh) {
  const instances = (await env.list("instances")).filter((item) => item.zoneId === volume.zoneId && ["Running", "Stopped"].includes(item.state));
  await dialog({
    title: `Attach ${volume.name}`,
    body: field("Instance", choice("instanceId", instances, { required: true, placeholder: "Choose an instance" })),
    actions: submitActions("Attach", (form) =>
      follow(env.mutate("POST", "volumes", { id: volume.id, operation: "attachToInstance", body: { instanceId: value(form, "instanceId") } }), `Attach ${volume.name}`, refresh),
    ),
  });
}

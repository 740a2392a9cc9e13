// Volumes and snapshots: list, create (a data volume attached to an instance), attach, detach,
// snapshot, delete.

import { run, track } from "../tasks.js";
import { badge, button, card, confirm, dialog, field, h, input, live, select, table, value, when } from "../ui.js";

export default async function storagePage({ env, main }) {
  const act = (label, start) => run(label, start).catch(() => {}).finally(refresh);
  const volumes = live(
    () => env.list("volumes"),
    (rows) =>
      table(
        [
          { label: "Name", cell: (volume) => h("strong", {}, volume.name) },
          { label: "Type", cell: (volume) => (volume.type === "os" ? "root" : "data") },
          { label: "Size", cell: (volume) => `${volume.sizeInGb} GB` },
          { label: "Instance", cell: (volume) => (volume.instanceId ? h("a", { href: `#/instances/${volume.instanceId}` }, volume.instanceName) : h("span", { class: "muted" }, "detached")) },
          { label: "Offering", cell: (volume) => volume.diskOfferingName || "" },
          { label: "State", cell: (volume) => badge(volume.state) },
          {
            label: "",
            class: "row-actions",
            cell: (volume) => [
              button("Snapshot", () => act(`Snapshot ${volume.name}`, () => env.mutate("POST", "volumes", { id: volume.id, operation: "snapshot" })), { kind: "ghost", testId: "snapshot" }),
              volume.type === "data" && volume.instanceId
                ? button("Detach", async () => {
                    if (await confirm(`Detach ${volume.name}?`, `It is removed from ${volume.instanceName}; its data stays.`, { confirmLabel: "Detach" })) {
                      act(`Detach ${volume.name}`, () => env.mutate("POST", "volumes", { id: volume.id, operation: "detachFromInstance" }));
                    }
                  }, { kind: "ghost" })
                : null,
              volume.type === "data" && !volume.instanceId ? button("Attach", () => attach(env, volume, refresh), { kind: "ghost" }) : null,
              volume.type === "data" && !volume.instanceId
                ? button("Delete", async () => {
                    if (await confirm(`Delete ${volume.name}?`, "The volume and its data are deleted. This cannot be undone.", { confirmLabel: "Delete" })) {
                      act(`Delete ${volume.name}`, () => env.mutate("DELETE", "volumes", { id: volume.id }));
                    }
                  }, { kind: "danger ghost", testId: "delete" })
                : null,
            ],
          },
        ],
        rows,
        { empty: "No volumes yet: every instance has a root volume, and data volumes can be added.", rowAttributes: (volume) => ({ "data-name": volume.name }) },
      ),
  );
  const snapshots = live(
    () => env.list("snapshots"),
    (rows) =>
      table(
        [
          { label: "Name", cell: (snapshot) => snapshot.name },
          { label: "Volume", cell: (snapshot) => `${snapshot.volume} (${snapshot.volumeType === "os" ? "root" : "data"})` },
          { label: "Taken", cell: (snapshot) => when(snapshot.created || snapshot.creationDate) },
          { label: "State", cell: (snapshot) => badge(snapshot.state) },
          {
            label: "",
            class: "row-actions",
            cell: (snapshot) =>
              button("Delete", async () => {
                if (await confirm(`Delete the snapshot ${snapshot.name}?`, "This cannot be undone.", { confirmLabel: "Delete" })) {
                  act(`Delete snapshot ${snapshot.name}`, () => env.mutate("DELETE", "snapshots", { id: snapshot.id }));
                }
              }, { kind: "danger ghost" }),
          },
        ],
        rows,
        { empty: "No snapshots. Take one from a volume above." },
      ),
  );
  const refresh = () => Promise.all([volumes.refresh(), snapshots.refresh()]);
  main.replaceChildren(
    h("div", { class: "page-head" }, h("h1", {}, "Volumes & snapshots"), h("p", { class: "muted" }, env.label)),
    card("Volumes", [button("Create volume", () => create(env, refresh), { kind: "primary", testId: "create-volume" })], volumes.node),
    card("Snapshots", null, snapshots.node),
  );
  await refresh();
  return { refresh };
}

async function create(env, refresh) {
  const [offerings, instances] = await Promise.all([env.list("diskofferings"), env.list("instances")]);
  const extras = h("div", { class: "row" });
  const offering = select("diskOfferingId", offerings.map((item) => ({ value: item.id, label: item.name })), {
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
      field("Attach to", select("instanceId", instances.filter((item) => item.state !== "Destroyed").map((item) => ({ value: item.id, label: item.name })), { required: true, placeholder: "Choose an instance" })),
    ),
    actions: [
      { label: "Cancel", value: null },
      {
        label: "Create",
        kind: "primary",
        submit: true,
        run: (form) => {
          const body = { name: value(form, "name"), diskOfferingId: value(form, "diskOfferingId"), instanceId: value(form, "instanceId") };
          if (value(form, "sizeInGb")) body.sizeInGb = Number(value(form, "sizeInGb"));
          if (value(form, "iops")) body.iops = Number(value(form, "iops"));
          return env.mutate("POST", "volumes", { body }).then((taskId) => {
            track(taskId, `Create volume ${body.name}`).catch(() => {}).finally(refresh);
          });
        },
      },
    ],
  });
  refresh();
}

async function attach(env, volume, refresh) {
  const instances = (await env.list("instances")).filter((item) => item.zoneId === volume.zoneId && ["Running", "Stopped"].includes(item.state));
  await dialog({
    title: `Attach ${volume.name}`,
    body: field("Instance", select("instanceId", instances.map((item) => ({ value: item.id, label: item.name })), { required: true, placeholder: "Choose an instance" })),
    actions: [
      { label: "Cancel", value: null },
      {
        label: "Attach",
        kind: "primary",
        submit: true,
        run: (form) =>
          env.mutate("POST", "volumes", { id: volume.id, operation: "attachToInstance", body: { instanceId: value(form, "instanceId") } }).then((taskId) => {
            track(taskId, `Attach ${volume.name}`).catch(() => {}).finally(refresh);
          }),
      },
    ],
  });
}

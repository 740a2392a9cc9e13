// Networks (tiers of VPCs): list, create, delete; the VPCs they live in.

import { follow, run } from "../tasks.js";
import { askButton, badge, button, card, choice, dialog, field, h, input, liveTable, pageHead, rowActions, submitActions, value } from "../ui.js";

export default async function networksPage({ env, main }) {
  const networks = liveTable(
    () => env.list("networks"),
    [
      { label: "Name", cell: (network) => h("strong", {}, network.name) },
      { label: "CIDR", cell: (network) => h("code", {}, network.cidr) },
      { label: "Gateway", cell: (network) => h("code", {}, network.gateway || "") },
      { label: "VPC", cell: (network) => network.vpcName },
      { label: "Zone", cell: (network) => network.zoneName },
      { label: "ACL", cell: (network) => network.networkAclName || "" },
      { label: "State", cell: (network) => badge(network.state) },
      rowActions((network) =>
        askButton("Delete", `Delete the network ${network.name}?`, "Refused while instances use it.", async () => {
          await run(`Delete network ${network.name}`, () => env.mutate("DELETE", "networks", { id: network.id })).catch(() => {});
          refresh();
        }, { testId: "delete" }),
      ),
    ],
    { empty: "No networks. Create one in a VPC to place instances in it.", rowAttributes: (network) => ({ "data-name": network.name }) },
  );
  const vpcs = liveTable(
    () => env.list("vpcs"),
    [
      { label: "Name", cell: (vpc) => h("strong", {}, vpc.name) },
      { label: "CIDR", cell: (vpc) => h("code", {}, vpc.cidr) },
      { label: "Zone", cell: (vpc) => vpc.zoneName },
      { label: "Offering", cell: (vpc) => vpc.vpcOfferingName || "" },
      { label: "State", cell: (vpc) => badge(vpc.state) },
    ],
    { empty: "No VPCs." },
  );
  const refresh = () => Promise.all([networks.refresh(), vpcs.refresh()]);
  main.replaceChildren(
    pageHead("Networks", env.label),
    card("Networks", [button("Create network", () => create(env, refresh), { kind: "primary", testId: "create-network" })], networks.node),
    card("VPCs", null, vpcs.node),
  );
  await refresh();
  return { refresh };
}

async function create(env, refresh) {
  const [vpcs, offerings, existing, acls] = await Promise.all([
    env.list("vpcs"),
    env.list("networkofferings"),
    env.list("networks"),
    env.list("networkacls").catch(() => []),
  ]);
  // ACLs a network may use: the VPC's own, and the defaults networks already use.
  const known = new Map(acls.map((acl) => [acl.id, { id: acl.id, name: acl.name, vpcId: acl.vpcId }]));
  for (const network of existing) {
    if (network.networkAclId && !known.has(network.networkAclId)) known.set(network.networkAclId, { id: network.networkAclId, name: network.networkAclName, vpcId: network.vpcId });
  }
  const aclField = h("div");
  const fillAcls = (vpcId) =>
    aclField.replaceChildren(
      field("Network ACL", choice("networkAclId", [...known.values()].filter((acl) => !acl.vpcId || acl.vpcId === vpcId), { required: true, placeholder: "Choose an ACL" })),
    );
  const vpc = choice("vpcId", vpcs, { label: (item) => `${item.name} (${item.cidr})`, required: true, placeholder: "Choose a VPC", onchange: () => fillAcls(vpc.value) });
  fillAcls("");
  await dialog({
    title: "Create a network",
    body: h(
      "div",
      {},
      field("Name", input("name", { required: true })),
      field("Description", input("description", { placeholder: "defaults to the name" })),
      field("VPC", vpc, "Its CIDR is chosen by the server inside the VPC's."),
      field("Network offering", choice("networkOfferingId", offerings, { required: true, placeholder: "Choose an offering" })),
      aclField,
    ),
    actions: submitActions("Create", (form) => {
      const body = {
        name: value(form, "name"),
        description: value(form, "description") || value(form, "name"),
        vpcId: value(form, "vpcId"),
        networkOfferingId: value(form, "networkOfferingId"),
        networkAclId: value(form, "networkAclId"),
      };
      return follow(env.mutate("POST", "networks", { body }), `Create network ${body.name}`, refresh);
    }),
  });
}

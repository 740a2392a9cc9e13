// Public IPs and port forwarding: acquire, release, static NAT, rules.

import { follow, run } from "../tasks.js";
import { askButton, button, card, choice, dialog, field, h, input, liveTable, pageHead, rowActions, select, submitActions, value } from "../ui.js";

export default async function publicIpsPage({ env, main }) {
  const act = (label, start) => run(label, start).catch(() => {}).finally(refresh);
  const ips = liveTable(
    () => env.list("publicipaddresses"),
    [
      { label: "Address", cell: (ip) => h("code", { class: "strong" }, ip.ipAddress) },
      { label: "Purposes", cell: (ip) => (ip.purposes || []).map((purpose) => h("span", { class: "tag" }, purpose.replace("_", " ").toLowerCase())) },
      { label: "VPC", cell: (ip) => ip.vpcName },
      { label: "Network", cell: (ip) => ip.networkName || "" },
      { label: "Instances", cell: (ip) => (ip.instances || []).map((item) => h("a", { href: `#/instances/${item.id}` }, item.name)) },
      rowActions((ip) => {
        const purposes = ip.purposes || [];
        if (purposes.includes("SOURCE_NAT")) return h("span", { class: "muted small" }, "the VPC's outbound address");
        return [
          purposes.includes("STATIC_NAT")
            ? button("Disable static NAT", () => act(`Disable static NAT on ${ip.ipAddress}`, () => env.mutate("POST", "publicipaddresses", { id: ip.id, operation: "disableStaticNat" })), { kind: "ghost" })
            : purposes.length === 0
              ? button("Static NAT", () => staticNat(env, ip, refresh), { kind: "ghost" })
              : null,
          askButton("Release", `Release ${ip.ipAddress}?`, "The address and its rules are removed.", () => {
            act(`Release ${ip.ipAddress}`, () => env.mutate("DELETE", "publicipaddresses", { id: ip.id }));
          }, { testId: "release" }),
        ];
      }),
    ],
    { empty: "No public IPs.", rowAttributes: (ip) => ({ "data-address": ip.ipAddress }) },
  );
  const rules = liveTable(
    () => env.list("portforwardingrules"),
    [
      { label: "Public", cell: (rule) => h("code", {}, `${rule.ipAddress}:${ports(rule.publicPortStart, rule.publicPortEnd)}`) },
      { label: "", cell: () => "→" },
      { label: "Instance", cell: (rule) => h("a", { href: `#/instances/${rule.instanceId}` }, rule.instanceName) },
      { label: "Private", cell: (rule) => h("code", {}, `${rule.privateIp}:${ports(rule.privatePortStart, rule.privatePortEnd)}`) },
      { label: "Protocol", cell: (rule) => rule.protocol },
      rowActions((rule) =>
        askButton("Delete", "Delete this rule?", `${rule.ipAddress}:${rule.publicPortStart} stops forwarding to ${rule.instanceName}.`, () => {
          act("Delete rule", () => env.mutate("DELETE", "portforwardingrules", { id: rule.id }));
        }),
      ),
    ],
    { empty: "No port forwarding rules. Forward a port of a public IP to an instance." },
  );
  const refresh = () => Promise.all([ips.refresh(), rules.refresh()]);
  main.replaceChildren(
    pageHead("Public IPs & port forwarding", env.label),
    card("Public IPs", [button("Acquire IP", () => acquire(env, refresh), { kind: "primary", testId: "acquire-ip" })], ips.node),
    card("Port forwarding", [button("Forward a port", () => forward(env, refresh), { kind: "primary", testId: "forward-port" })], rules.node),
  );
  await refresh();
  return { refresh };
}

function ports(start, end) {
  return end && end !== start ? `${start}-${end}` : String(start);
}

async function acquire(env, refresh) {
  const vpcs = await env.list("vpcs");
  await dialog({
    title: "Acquire a public IP",
    body: field("VPC", choice("vpcId", vpcs, { required: true, value: vpcs[0]?.id })),
    actions: submitActions("Acquire", (form) => follow(env.mutate("POST", "publicipaddresses", { body: { vpcId: value(form, "vpcId") } }), "Acquire a public IP", refresh)),
  });
}

async function staticNat(env, ip, refresh) {
  const instances = (await env.list("instances")).filter((item) => ["Running", "Stopped"].includes(item.state) && item.vpcId === ip.vpcId);
  await dialog({
    title: `Static NAT from ${ip.ipAddress}`,
    body: field("Instance", select("instance", instances.map((item) => ({ value: item.ipAddressId || item.id, label: `${item.name} (${item.ipAddress})` })), { required: true, placeholder: "Choose an instance" })),
    actions: submitActions("Enable", (form) =>
      follow(env.mutate("POST", "publicipaddresses", { id: ip.id, operation: "enableStaticNat", body: { privateIpId: value(form, "instance") } }), `Static NAT on ${ip.ipAddress}`, refresh),
    ),
  });
}

async function forward(env, refresh) {
  const [ips, instances] = await Promise.all([env.list("publicipaddresses"), env.list("instances")]);
  const usable = ips.filter((ip) => !(ip.purposes || []).some((purpose) => purpose === "SOURCE_NAT" || purpose === "STATIC_NAT"));
  await dialog({
    title: "Forward a port",
    body: h(
      "div",
      {},
      field("Public IP", select("ipAddressId", usable.map((ip) => ({ value: ip.id, label: `${ip.ipAddress}${ip.networkName ? ` (${ip.networkName})` : ""}` })), { required: true, placeholder: "Choose an address" })),
      field("Instance", select("instanceId", instances.filter((item) => ["Running", "Stopped"].includes(item.state)).map((item) => ({ value: item.id, label: `${item.name} (${item.ipAddress})` })), { required: true, placeholder: "Choose an instance" })),
      h("div", { class: "row" },
        field("Public port", input("publicPortStart", { type: "number", min: 1, max: 65535, required: true })),
        field("Public port end", input("publicPortEnd", { type: "number", min: 1, max: 65535, placeholder: "single port" })),
        field("Private port", input("privatePortStart", { type: "number", min: 1, max: 65535, placeholder: "same as public" }))),
      field("Protocol", select("protocol", [{ value: "TCP", label: "TCP" }, { value: "UDP", label: "UDP" }], { value: "TCP" })),
    ),
    actions: submitActions("Forward", (form) => {
      const body = {
        ipAddressId: value(form, "ipAddressId"),
        instanceId: value(form, "instanceId"),
        protocol: value(form, "protocol"),
        publicPortStart: value(form, "publicPortStart"),
        privatePortStart: value(form, "privatePortStart") || value(form, "publicPortStart"),
      };
      if (value(form, "publicPortEnd")) body.publicPortEnd = value(form, "publicPortEnd");
      return follow(env.mutate("POST", "portforwardingrules", { body }), `Forward port ${body.publicPortStart}`, refresh);
    }),
  });
}

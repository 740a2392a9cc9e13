// Public IPs and port forwarding: acquire, release, static NAT, rules.

import { run, track } from "../tasks.js";
import { button, card, confirm, dialog, field, h, input, live, select, table, value } from "../ui.js";

export default async function publicIpsPage({ env, main }) {
  const act = (label, start) => run(label, start).catch(() => {}).finally(refresh);
  const ips = live(
    () => env.list("publicipaddresses"),
    (rows) =>
      table(
        [
          { label: "Address", cell: (ip) => h("code", { class: "strong" }, ip.ipAddress) },
          { label: "Purposes", cell: (ip) => (ip.purposes || []).map((purpose) => h("span", { class: "tag" }, purpose.replace("_", " ").toLowerCase())) },
          { label: "VPC", cell: (ip) => ip.vpcName },
          { label: "Network", cell: (ip) => ip.networkName || "" },
          { label: "Instances", cell: (ip) => (ip.instances || []).map((item) => h("a", { href: `#/instances/${item.id}` }, item.name)) },
          {
            label: "",
            class: "row-actions",
            cell: (ip) => {
              const purposes = ip.purposes || [];
              if (purposes.includes("SOURCE_NAT")) return h("span", { class: "muted small" }, "the VPC's outbound address");
              return [
                purposes.includes("STATIC_NAT")
                  ? button("Disable static NAT", () => act(`Disable static NAT on ${ip.ipAddress}`, () => env.mutate("POST", "publicipaddresses", { id: ip.id, operation: "disableStaticNat" })), { kind: "ghost" })
                  : purposes.length === 0
                    ? button("Static NAT", () => staticNat(env, ip, refresh), { kind: "ghost" })
                    : null,
                button("Release", async () => {
                  if (await confirm(`Release ${ip.ipAddress}?`, "The address and its rules are removed.", { confirmLabel: "Release" })) {
                    act(`Release ${ip.ipAddress}`, () => env.mutate("DELETE", "publicipaddresses", { id: ip.id }));
                  }
                }, { kind: "danger ghost", testId: "release" }),
              ];
            },
          },
        ],
        rows,
        { empty: "No public IPs.", rowAttributes: (ip) => ({ "data-address": ip.ipAddress }) },
      ),
  );
  const rules = live(
    () => env.list("portforwardingrules"),
    (rows) =>
      table(
        [
          { label: "Public", cell: (rule) => h("code", {}, `${rule.ipAddress}:${ports(rule.publicPortStart, rule.publicPortEnd)}`) },
          { label: "", cell: () => "→" },
          { label: "Instance", cell: (rule) => h("a", { href: `#/instances/${rule.instanceId}` }, rule.instanceName) },
          { label: "Private", cell: (rule) => h("code", {}, `${rule.privateIp}:${ports(rule.privatePortStart, rule.privatePortEnd)}`) },
          { label: "Protocol", cell: (rule) => rule.protocol },
          {
            label: "",
            class: "row-actions",
            cell: (rule) =>
              button("Delete", async () => {
                if (await confirm("Delete this rule?", `${rule.ipAddress}:${rule.publicPortStart} stops forwarding to ${rule.instanceName}.`, { confirmLabel: "Delete" })) {
                  act("Delete rule", () => env.mutate("DELETE", "portforwardingrules", { id: rule.id }));
                }
              }, { kind: "danger ghost" }),
          },
        ],
        rows,
        { empty: "No port forwarding rules. Forward a port of a public IP to an instance." },
      ),
  );
  const refresh = () => Promise.all([ips.refresh(), rules.refresh()]);
  main.replaceChildren(
    h("div", { class: "page-head" }, h("h1", {}, "Public IPs & port forwarding"), h("p", { class: "muted" }, env.label)),
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
    body: field("VPC", select("vpcId", vpcs.map((vpc) => ({ value: vpc.id, label: vpc.name })), { required: true, value: vpcs[0]?.id })),
    actions: [
      { label: "Cancel", value: null },
      {
        label: "Acquire",
        kind: "primary",
        submit: true,
        run: (form) =>
          env.mutate("POST", "publicipaddresses", { body: { vpcId: value(form, "vpcId") } }).then((taskId) => {
            track(taskId, "Acquire a public IP").catch(() => {}).finally(refresh);
          }),
      },
    ],
  });
}

async function staticNat(env, ip, refresh) {
  const instances = (await env.list("instances")).filter((item) => ["Running", "Stopped"].includes(item.state) && item.vpcId === ip.vpcId);
  await dialog({
    title: `Static NAT from ${ip.ipAddress}`,
    body: field("Instance", select("instance", instances.map((item) => ({ value: item.ipAddressId || item.id, label: `${item.name} (${item.ipAddress})` })), { required: true, placeholder: "Choose an instance" })),
    actions: [
      { label: "Cancel", value: null },
      {
        label: "Enable",
        kind: "primary",
        submit: true,
        run: (form) =>
          env.mutate("POST", "publicipaddresses", { id: ip.id, operation: "enableStaticNat", body: { privateIpId: value(form, "instance") } }).then((taskId) => {
            track(taskId, `Static NAT on ${ip.ipAddress}`).catch(() => {}).finally(refresh);
          }),
      },
    ],
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
    actions: [
      { label: "Cancel", value: null },
      {
        label: "Forward",
        kind: "primary",
        submit: true,
        run: (form) => {
          const body = {
            ipAddressId: value(form, "ipAddressId"),
            instanceId: value(form, "instanceId"),
            protocol: value(form, "protocol"),
            publicPortStart: value(form, "publicPortStart"),
            privatePortStart: value(form, "privatePortStart") || value(form, "publicPortStart"),
          };
          if (value(form, "publicPortEnd")) body.publicPortEnd = value(form, "publicPortEnd");
          return env.mutate("POST", "portforwardingrules", { body }).then((taskId) => {
            track(taskId, `Forward port ${body.publicPortStart}`).catch(() => {}).finally(refresh);
          });
        },
      },
    ],
  });
}

// SSH keys: list, register, delete.

import { run, track } from "../tasks.js";
import { button, card, confirm, dialog, field, h, input, live, table, value } from "../ui.js";

export default async function sshKeysPage({ env, main }) {
  const section = live(
    () => env.list("sshkeys"),
    (keys) =>
      table(
        [
          { label: "Name", cell: (key) => h("strong", {}, key.name) },
          { label: "Fingerprint (MD5)", cell: (key) => h("code", {}, key.fingerprint) },
          {
            label: "",
            class: "row-actions",
            cell: (key) =>
              button("Delete", async () => {
                if (await confirm(`Delete the SSH key ${key.name}?`, "Instances that have it keep it installed.", { confirmLabel: "Delete" })) {
                  await run(`Delete key ${key.name}`, () => env.mutate("DELETE", "sshkeys", { id: key.id })).catch(() => {});
                  section.refresh();
                }
              }, { kind: "danger ghost", testId: "delete" }),
          },
        ],
        keys,
        { empty: "No SSH keys yet. Register one to log in to instances without a password.", rowAttributes: (key) => ({ "data-name": key.name }) },
      ),
  );
  const register = () =>
    dialog({
      title: "Register an SSH key",
      body: h(
        "div",
        {},
        field("Name", input("name", { required: true, placeholder: "e.g. laptop" })),
        field("Public key", h("textarea", { name: "publicKey", rows: 4, required: true, placeholder: "ssh-ed25519 AAAA… you@host" }), "The contents of ~/.ssh/id_ed25519.pub (OpenSSH format)."),
      ),
      actions: [
        { label: "Cancel", value: null },
        {
          label: "Register",
          kind: "primary",
          submit: true,
          testId: "submit-key",
          run: (form) => {
            const name = value(form, "name");
            return env.mutate("POST", "sshkeys", { body: { name, publicKey: value(form, "publicKey") } }).then((taskId) =>
              track(taskId, `Register key ${name}`),
            );
          },
        },
      ],
    }).then(section.refresh);
  main.replaceChildren(
    h("div", { class: "page-head" }, h("h1", {}, "SSH keys"), h("p", { class: "muted" }, env.label)),
    card("Registered keys", [button("Register key", register, { kind: "primary", testId: "register-key" })], section.node),
  );
  await section.refresh();
  return { refresh: section.refresh };
}

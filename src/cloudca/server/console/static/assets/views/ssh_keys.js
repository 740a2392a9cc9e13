// SSH keys: list, register, delete.

import { run, track } from "../tasks.js";
import { askButton, button, card, dialog, field, h, input, liveTable, pageHead, rowActions, submitActions, value } from "../ui.js";

export default async function sshKeysPage({ env, main }) {
  const section = liveTable(
    () => env.list("sshkeys"),
    [
      { label: "Name", cell: (key) => h("strong", {}, key.name) },
      { label: "Fingerprint (MD5)", cell: (key) => h("code", {}, key.fingerprint) },
      rowActions((key) =>
        askButton("Delete", `Delete the SSH key ${key.name}?`, "Instances that have it keep it installed.", async () => {
          await run(`Delete key ${key.name}`, () => env.mutate("DELETE", "sshkeys", { id: key.id })).catch(() => {});
          section.refresh();
        }, { testId: "delete" }),
      ),
    ],
    { empty: "No SSH keys yet. Register one to log in to instances without a password.", rowAttributes: (key) => ({ "data-name": key.name }) },
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
      actions: submitActions(
        "Register",
        (form) => {
          const name = value(form, "name");
          return env.mutate("POST", "sshkeys", { body: { name, publicKey: value(form, "publicKey") } }).then((taskId) => track(taskId, `Register key ${name}`));
        },
        { testId: "submit-key" },
      ),
    }).then(section.refresh);
  main.replaceChildren(
    pageHead("SSH keys", env.label),
    card("Registered keys", [button("Register key", register, { kind: "primary", testId: "register-key" })], section.node),
  );
  await section.refresh();
  return { refresh: section.refresh };
}

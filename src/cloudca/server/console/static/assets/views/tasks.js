// The tasks panel: the environment's running and recent tasks, their outcome and errors.

import { started } from "../tasks.js";
import { badge, card, h, live, liveTable, pageHead, when } from "../ui.js";
import { taskTable } from "./instance.js";

export default async function tasksPage({ env, main }) {
  const section = live(
    () => env.tasks({ limit: 100 }),
    (tasks) => taskTable(tasks),
  );
  const mine = liveTable(
    async () => started.map(({ id, label, status, started: at, error }) => ({ id, label, status, at, error: error ? `${error.errorCode}: ${error.message}` : "" })),
    [
      { label: "What", cell: (row) => row.label },
      { label: "Status", cell: (row) => badge(row.status) },
      { label: "Started", cell: (row) => when(row.at) },
      { label: "Error", cell: (row) => h("span", { class: "error-text" }, row.error) },
    ],
    { empty: "Nothing started from this tab yet." },
  );
  main.replaceChildren(
    pageHead("Tasks", "Every change runs as a task that ends SUCCESS or FAILED; finished tasks are kept for a while."),
    card("Started from this tab", null, mine.node),
    card(`Recent tasks in ${env.label}`, null, section.node),
  );
  const refresh = () => Promise.all([section.refresh(), mine.refresh()]);
  await refresh();
  return { refresh };
}

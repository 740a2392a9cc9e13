// Tasks started from this tab: each is followed with the server's ?wait= long-poll, so the page
// learns the outcome the moment the task ends, and every view listening refreshes at once.

import { waitForTask } from "./api.js";
import { toast } from "./ui.js";

const listeners = new Set();
/** Newest first: {id, label, status, started, ended, result, error}. */
export const started = [];

export function onTaskChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function notify(entry) {
  for (const listener of listeners) listener(entry);
}

export function pendingCount() {
  return started.filter((entry) => entry.status === "PENDING").length;
}

/** Follow a task to its end; resolves with its result, rejects with TaskFailed. */
export async function track(taskId, label) {
  const entry = { id: taskId, label, status: "PENDING", started: new Date().toISOString() };
  started.unshift(entry);
  started.splice(50);
  notify(entry);
  try {
    entry.result = await waitForTask(taskId);
    entry.status = "SUCCESS";
    toast(`${label}: done`, "good");
    return entry.result;
  } catch (error) {
    entry.status = "FAILED";
    entry.error = error;
    toast(`${label}: failed — ${error.message} (${error.errorCode})`, "error");
    throw error;
  } finally {
    entry.ended = new Date().toISOString();
    notify(entry);
  }
}

/** Follow the task a dialog's mutation started (its errors are toasted), then call then(). */
export function follow(started, label, then) {
  return started.then((taskId) => {
    track(taskId, label).catch(() => {}).finally(then);
  });
}

/** Start a mutation and follow its task; errors are toasted, so callers may ignore them. */
export async function run(label, start) {
  let taskId;
  try {
    taskId = await start();
  } catch (error) {
    toast(`${label}: ${error.message} (${error.errorCode})`, "error");
    throw error;
  }
  return track(taskId, label);
}

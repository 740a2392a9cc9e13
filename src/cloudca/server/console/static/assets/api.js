// The console's only way to the server: the same /v1 API every client uses, with the API key of
// this tab. The key lives in sessionStorage: it survives a reload but not the tab.

const KEY = "cloudca.apiKey";
const ENVIRONMENT = "cloudca.environment";

/** An error answer of the API, carrying the contract's error objects. */
export class ApiError extends Error {
  constructor(status, errors) {
    const first = errors[0] || {};
    super(first.message || `HTTP ${status}`);
    this.status = status;
    this.errors = errors;
    this.errorCode = first.errorCode || `HTTP_${status}`;
    this.code = first.code;
    this.context = first.context || {};
  }
}

/** A task that ended FAILED: its result holds the error objects. */
export class TaskFailed extends ApiError {
  constructor(taskId, errors) {
    super(400, errors && errors.length ? errors : [{ errorCode: "TASK_FAILED", message: "The task failed" }]);
    this.taskId = taskId;
  }
}

export const auth = {
  get key() {
    return sessionStorage.getItem(KEY);
  },
  set key(value) {
    if (value) sessionStorage.setItem(KEY, value);
    else sessionStorage.removeItem(KEY);
  },
  get environment() {
    return sessionStorage.getItem(ENVIRONMENT);
  },
  set environment(value) {
    if (value) sessionStorage.setItem(ENVIRONMENT, value);
    else sessionStorage.removeItem(ENVIRONMENT);
  },
  signOut() {
    sessionStorage.removeItem(KEY);
    sessionStorage.removeItem(ENVIRONMENT);
  },
};

/** One request; resolves with the parsed body, rejects with ApiError. */
export async function request(method, path, { body, query, key } = {}) {
  const url = new URL(`/v1${path}`, location.origin);
  for (const [name, value] of Object.entries(query || {})) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.set(name, value);
  }
  const headers = { "MC-Api-Key": key ?? auth.key ?? "" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    throw new ApiError(0, [{ errorCode: "CONNECTION_FAILED", message: `The server could not be reached (${error.message})` }]);
  }
  const text = await response.text();
  let payload = {};
  if (text) {
    try {
      payload = JSON.parse(text);
    } catch {
      payload = { errors: [{ errorCode: `HTTP_${response.status}`, message: text.slice(0, 200) }] };
    }
  }
  if (!response.ok) {
    throw new ApiError(response.status, payload.errors || [{ errorCode: `HTTP_${response.status}`, message: response.statusText }]);
  }
  return payload;
}

/** The API of one environment: paths under /services/{code}/{name}. */
export class Environment {
  constructor(raw) {
    this.raw = raw;
    this.id = raw.id;
    this.name = raw.name;
    this.serviceCode = raw.serviceConnection?.serviceCode;
    this.base = `/services/${this.serviceCode}/${this.name}`;
  }

  get label() {
    return `${this.serviceCode} / ${this.name}`;
  }

  async list(type, query) {
    return (await request("GET", `${this.base}/${type}`, { query })).data || [];
  }

  async get(type, id) {
    return (await request("GET", `${this.base}/${type}/${id}`)).data;
  }

  /** A mutation: resolves with the task id the server answered. */
  async mutate(method, type, { id, operation, body } = {}) {
    const path = `${this.base}/${type}${id ? `/${id}` : ""}`;
    const answer = await request(method, path, { body: body ?? {}, query: { operation } });
    return answer.taskId;
  }

  async tasks(query) {
    return (await request("GET", `${this.base}/tasks`, { query })).data || [];
  }
}

export async function environments(key) {
  const answer = await request("GET", "/environments", { key });
  return (answer.data || []).filter((env) => env.serviceConnection?.serviceCode).map((env) => new Environment(env));
}

/** Hold until the task ends (the server's ?wait= long-poll); resolves with its result. */
export async function waitForTask(taskId, { signal } = {}) {
  for (;;) {
    if (signal?.aborted) throw new DOMException("Stopped waiting", "AbortError");
    const task = await request("GET", `/tasks/${taskId}`, { query: { wait: 30 } });
    if (task.taskStatus === "SUCCESS") return task.result;
    if (task.taskStatus === "FAILED") throw new TaskFailed(taskId, task.result?.errors);
  }
}

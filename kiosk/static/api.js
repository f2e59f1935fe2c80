/* The JSON API: every request carries the session's CSRF token; failures become errors with the server's
   code (contract.js ERROR), and a request that never reached the server an error with ``offline`` set and
   the page's "connection lost" text (never the browser's own words). ``act`` is for buttons: it shows a
   failure instead of throwing it. */
import { ERROR } from "./contract.js";
import { connectionLost, errorText, showMessage } from "./messages.js";
import { boot, T } from "./page.js";

const onCode = {};

// What ``act`` does when the server answers with ``code`` (instead of showing the code's text).
export function onError(code, callback) {
  onCode[code] = callback;
}
// What ``act`` does when the server says this phone is not (or no longer) paired.
export function onPairingRequired(callback) {
  onError(ERROR.PAIRING_REQUIRED, callback);
}

export async function api(method, path, body) {
  const options = { method, headers: { "X-CSRF-Token": boot.csrf } };
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, options);
  } catch (_networkError) { // "Failed to fetch": the service is not there
    const error = new Error(T.connection_lost);
    error.offline = true;
    throw error;
  }
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = new Error((data.error && data.error.message) || `${T.error} ${response.status}`);
    error.status = response.status;
    error.code = data.error && data.error.code;
    throw error;
  }
  return data;
}

export async function act(method, path, body) {
  try {
    return await api(method, path, body);
  } catch (error) {
    if (error.offline) {
      connectionLost({ now: true }); // the tap just proved it: no need to wait for the live stream
      showMessage(T.connection_lost, { info: true });
      return null;
    }
    if (onCode[error.code]) return onCode[error.code](error);
    showMessage(errorText(error.code, error.message));
    return null;
  }
}

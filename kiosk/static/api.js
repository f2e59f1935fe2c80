/* The JSON API: every request carries the session's CSRF token; failures become errors with the server's
   code (contract.js ERROR). ``act`` is for buttons: it shows a failure instead of throwing it. */
import { ERROR } from "./contract.js";
import { errorText, showMessage } from "./messages.js";
import { boot, T } from "./page.js";

let pairingRequired = () => {};

// What ``act`` does when the server says this phone is not (or no longer) paired.
export function onPairingRequired(callback) {
  pairingRequired = callback;
}

export async function api(method, path, body) {
  const options = { method, headers: { "X-CSRF-Token": boot.csrf } };
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  const response = await fetch(path, options);
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
    if (error.code === ERROR.PAIRING_REQUIRED) return pairingRequired();
    showMessage(errorText(error.code, error.message));
    return null;
  }
}

/**
 * A JSON POST to the hub that never throws: pages branch on what came back. Tokens go in
 * the body, never in a URL a server or proxy would log.
 */

/**
 * { status, data } of POSTing `body` to `url`: data is the parsed JSON answer or null;
 * status 0 when the hub could not be reached (offline, or it refused a shop site's origin).
 * credentials: "omit" (the default) for shoppers' pages, "same-origin" where the answer sets
 * the console's session cookies.
 */
export async function postJson(url, body, { credentials = "omit" } = {}) {
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(body),
      credentials,
      cache: "no-store",
    });
    return { status: response.status, data: await response.json().catch(() => null) };
  } catch (_err) {
    return { status: 0, data: null };
  }
}

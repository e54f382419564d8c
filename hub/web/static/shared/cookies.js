/** Reading the hub's readable cookies (hub_csrf), never the HttpOnly session one. */

export function readCookie(name) {
  const found = document.cookie.split("; ").find((part) => part.startsWith(`${name}=`));
  return found ? decodeURIComponent(found.slice(name.length + 1)) : null;
}

/** Getting a socket.io connection back after it failed or the hub dropped it. */

const FIRST_RETRY_MS = 1000;
const MAX_RETRY_MS = 30000;

/** Delays between attempts, doubling from 1 s up to 30 s; reset() once connected. */
export function backoff() {
  let next = FIRST_RETRY_MS;
  return {
    reset() {
      next = FIRST_RETRY_MS;
    },
    next() {
      const delay = next;
      next = Math.min(next * 2, MAX_RETRY_MS);
      return delay;
    },
  };
}

/**
 * After connect_error. Transport errors retry automatically; middleware rejections do not, so
 * back off by hand. stillWanted() is asked before the attempt (the socket may be replaced).
 */
export function retryRejected(socket, delays, stillWanted = () => true) {
  if (socket.active) return;
  setTimeout(() => {
    if (stillWanted() && !socket.connected) socket.connect();
  }, delays.next());
}

/** After a server-side disconnect the client does not retry on its own. */
export function reconnectIfDropped(socket, reason) {
  if (reason === "io server disconnect") socket.connect();
}

/**
 * "Add to calendar": the calendar file is fetched with the manage token in the
 * Authorization header and saved from a Blob, so the token never rides in a URL that the
 * page opens (and so never reaches history, logs or a Referer).
 */
import { send } from "./api.js";

export async function downloadCalendar(appointmentId, token) {
  const { response } = await send(`/appointments/${encodeURIComponent(appointmentId)}.ics`, {
    token,
    accept: "text/calendar",
  });
  const blob = new Blob([await response.arrayBuffer()], { type: "text/calendar" });
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = `appointment-${appointmentId}.ics`;
  link.hidden = true;
  document.body.appendChild(link);
  link.click();
  link.remove();
  // Revoked once the browser has had time to start saving it.
  window.setTimeout(() => URL.revokeObjectURL(url), 30_000);
}

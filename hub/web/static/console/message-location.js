/** A place the client shared (a WeChat location message): its label, coordinates and a map. */
import { el } from "../shared/dom.js";
import { t } from "../shared/i18n.js";

const MAP_ZOOM = 16;

function coordinate(value, limit) {
  const number = Number(value);
  return Number.isFinite(number) && Math.abs(number) <= limit ? number : null;
}

function mapUrl(latitude, longitude) {
  const url = new URL("https://www.openstreetmap.org/");
  url.searchParams.set("mlat", latitude.toFixed(6));
  url.searchParams.set("mlon", longitude.toFixed(6));
  url.hash = `map=${MAP_ZOOM}/${latitude.toFixed(6)}/${longitude.toFixed(6)}`;
  return url.toString();
}

/** The card for data.location, or null when the message has no readable place. */
export function locationCard(message) {
  const place = message && message.data && message.data.location;
  if (!place || typeof place !== "object") return null;
  const latitude = coordinate(place.latitude, 90);
  const longitude = coordinate(place.longitude, 180);
  const label = typeof place.label === "string" && place.label.trim() ? place.label.trim() : t("message.sharedLocation");
  const parts = [
    el("p", { className: "place-title", text: t("message.location") }),
    el("p", { className: "place-label", text: label }),
  ];
  if (latitude !== null && longitude !== null) {
    parts.push(el("p", { className: "place-coordinates", text: `${latitude.toFixed(5)}, ${longitude.toFixed(5)}` }));
    parts.push(
      el("a", {
        className: "place-map",
        text: t("message.openMap"),
        attrs: { href: mapUrl(latitude, longitude), target: "_blank", rel: "noopener noreferrer" },
      }),
    );
  }
  return el("div", { className: "place-card", attrs: { "data-testid": "message-location" } }, parts);
}

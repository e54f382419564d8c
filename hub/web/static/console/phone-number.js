/**
 * Phone numbers as people read them: "+33 6 12 34 56 78" for the hub's E.164 "+33612345678".
 * Grouped for the boutiques' usual countries; any other number is shown as the hub wrote it.
 * A tel: link always takes the E.164 form, which every phone dials as is.
 */

// Country code -> the national number's groups (only numbers of exactly that length), or a
// function of the national number for countries whose grouping depends on its first digits.
const GROUPS = {
  1: [[3, 3, 4]], // United States, Canada
  32: [
    [3, 2, 2, 2],
    [1, 3, 2, 2],
  ], // Belgium: mobile, landline
  33: [[1, 2, 2, 2, 2]], // France
  34: [[3, 3, 3]], // Spain
  41: [[2, 3, 2, 2]], // Switzerland
  44: (national) => (national.startsWith("2") ? [[2, 4, 4]] : [[4, 6]]), // United Kingdom: London, else
  49: [
    [3, 4, 4],
    [3, 8],
    [4, 7],
  ], // Germany (lengths vary)
  81: [[2, 4, 4]], // Japan
  86: [[3, 4, 4]], // China
  852: [[4, 4]], // Hong Kong
  971: [[2, 3, 4]], // United Arab Emirates
};

function group(digits, sizes) {
  const parts = [];
  let at = 0;
  for (const size of sizes) {
    parts.push(digits.slice(at, at + size));
    at += size;
  }
  return parts.join(" ");
}

/** "+33 6 12 34 56 78"; "" for nothing; anything that is not E.164 comes back unchanged. */
export function formatPhone(e164) {
  const text = typeof e164 === "string" ? e164.trim() : "";
  if (!/^\+\d{6,15}$/.test(text)) return text;
  const digits = text.slice(1);
  for (const length of [1, 2, 3]) {
    const code = digits.slice(0, length);
    const national = digits.slice(length);
    const known = GROUPS[code];
    if (!known) continue;
    const patterns = typeof known === "function" ? known(national) : known;
    const fits = patterns.find((sizes) => sizes.reduce((a, b) => a + b, 0) === national.length);
    return fits ? `+${code} ${group(national, fits)}` : `+${code} ${national}`;
  }
  return text;
}

/** The tel: link's target: the E.164 number, digits and the plus only. */
export const telHref = (e164) => `tel:${String(e164 || "").replace(/[^\d+]/g, "")}`;

/* Scaffold: filled in by the work on issue #12. */

/** Once, when the page loads: listeners on the page's own elements. */
export function wireAdmin() {}

/** After sign-in (state.staff is known). */
export function setupAdmin() {}

/** On sign-out: forget everything of the last session. */
export function resetAdmin() {}

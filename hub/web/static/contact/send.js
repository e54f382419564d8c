/**
 * Sending the form to the hub's POST /api/contact (shared/form-post.js keeps one client_id
 * per message until the hub answers, so sending again cannot store it twice).
 */
import { formSender } from "../shared/form-post.js";

const send = formSender("/api/contact");

/**
 * {outcome: "sent", conversationId} · {outcome: "invalid", field, message} (400: nothing
 * stored) · {outcome: "busy"} (429) · {outcome: "offline"} (no answer, or the hub failing).
 */
export async function sendContact(body) {
  const answer = await send(body);
  if (answer.outcome === "sent") return { outcome: "sent", conversationId: answer.data.conversation_id };
  return answer;
}

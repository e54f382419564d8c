/**
 * What the hub says about a phone conversation (channel_state {kind: "voice", phone, sms,
 * bridge, callback, calls}), kept per conversation: fetched with the timeline, seeded from
 * the offer that was accepted, and updated by each recorded outcome.
 */

const known = new Map(); // conversation id -> {phone, sms, bridge, callback, calls}

const voiceOf = (channelState) => {
  if (!channelState) return null;
  if (channelState.kind === "voice") return channelState;
  return channelState.voice || null;
};

/** The hub's channel_state for a conversation (forgotten for other channels). */
export function setVoiceState(conversationId, channelState) {
  const voice = voiceOf(channelState);
  if (!voice) {
    known.delete(conversationId);
    return;
  }
  known.set(conversationId, {
    phone: typeof voice.phone === "string" ? voice.phone : null,
    sms: voice.sms === true,
    bridge: voice.bridge === true,
    callback: voice.callback || null,
    calls: Array.isArray(voice.calls) ? voice.calls : [],
    fromHub: true,
  });
}

/** An accepted offer's voice details ({callback, call}), until the hub's own state arrives. */
export function seedVoiceState(conversationId, voice) {
  if (!voice || known.has(conversationId)) return;
  const callback = voice.callback || null;
  const call = voice.call || null;
  const phone = (callback && callback.phone) || (call && call.from) || null;
  known.set(conversationId, { phone, sms: false, bridge: false, callback, calls: [], call, fromHub: false });
}

export const voiceState = (conversationId) => known.get(conversationId) || null;

/** A recorded outcome's answer: the callback as it is now. */
export function updateCallback(conversationId, callback) {
  const current = known.get(conversationId);
  if (current && callback) current.callback = callback;
}

export function forgetVoiceState(conversationId) {
  known.delete(conversationId);
}

export function forgetVoiceStates() {
  known.clear();
}

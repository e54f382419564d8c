/**
 * Administration → Channels: WeChat accounts, mailboxes and voice numbers within reach.
 * Secrets are write-only: typed into password fields (never remembered by the browser),
 * sent once, and never shown again; the lists say only which are set. Changing a secret
 * ("rotate") leaves its field empty after saving.
 */
import { button, el, showText } from "../shared/dom.js";
import { t } from "../shared/i18n.js";
import { api } from "./api.js";
import { isAdmin, seg, storeOptions } from "./admin-data.js";
import { adminForm, input, pageHeader, section, select, statusLine } from "./admin-forms.js";
import { inlineConfirm } from "./inline-confirm.js";
import { announce } from "./notices.js";
import { sessionEnded } from "./session.js";

const secret = (testid) => input(testid, { type: "password", autocomplete: "new-password", spellcheck: "false", maxlength: 200 });

/** Each kind of account: where it lives in the API and what its forms ask. */
const KINDS = [
  {
    kind: "wechat",
    list: "wechat",
    one: "wechat",
    path: "wechat",
    key: "account",
    title: () => t("admin.channels.wechat"),
    meta: (row) => [row.app_id, row.store || t("admin.channels.noStore")],
    create: [
      [
        "account",
        () => t("admin.channels.account"),
        () => input("admin-wechat-account", { maxlength: 32, spellcheck: "false" }),
        () => t("admin.channels.accountHint"),
      ],
      ["app_id", () => t("admin.channels.appId"), () => input("admin-wechat-app-id", { maxlength: 64, spellcheck: "false" })],
      ["app_secret", () => t("admin.channels.appSecret"), () => secret("admin-wechat-app-secret")],
      ["token", () => t("admin.channels.token"), () => secret("admin-wechat-token")],
      ["aes_key", () => t("admin.channels.aesKey"), () => secret("admin-wechat-aes-key"), () => t("admin.channels.aesKeyHint")],
    ],
    secrets: ["app_secret", "token", "aes_key"],
    storeOptional: () => isAdmin(),
    deletable: () => isAdmin(),
  },
  {
    kind: "mailbox",
    list: "mailboxes",
    one: "mailbox",
    path: "mailboxes",
    key: "address",
    title: () => t("admin.channels.mailboxes"),
    meta: (row) => [row.store],
    create: [["address", () => t("admin.channels.address"), () => input("admin-mailbox-address", { type: "email", maxlength: 320 })]],
    secrets: [],
    storeOptional: () => false,
    deletable: () => true,
  },
  {
    kind: "voice",
    list: "voice",
    one: "voice",
    path: "voice",
    key: "number",
    title: () => t("admin.channels.voice"),
    meta: (row) => [row.provider, row.account_sid, row.store],
    create: [
      ["provider", () => t("admin.channels.provider"), () => select("admin-voice-provider", [{ value: "twilio", label: "Twilio" }])],
      [
        "number",
        () => t("admin.channels.number"),
        () => input("admin-voice-number", { type: "tel", maxlength: 20, placeholder: "+33142000000" }),
        () => t("admin.channels.numberHint"),
      ],
      ["account_sid", () => t("admin.channels.accountSid"), () => input("admin-voice-account-sid", { maxlength: 64, spellcheck: "false" })],
      ["auth_token", () => t("admin.channels.authToken"), () => secret("admin-voice-auth-token")],
    ],
    secrets: ["auth_token"],
    storeOptional: () => false,
    deletable: () => true,
  },
];

/** "Secrets set ✓ app_secret, token" or nothing for an account without secrets. */
function secretsLine(spec, row) {
  if (!spec.secrets.length) return null;
  const set = row.secrets_set || [];
  const text = set.length ? t("admin.channels.secretsSet", { names: set.map(secretName).join(", ") }) : t("admin.channels.noSecrets");
  return el("span", { className: "admin-secrets", text, attrs: { "data-testid": "admin-channel-secrets" } });
}

function secretName(name) {
  const names = {
    app_secret: t("admin.channels.appSecret"),
    token: t("admin.channels.token"),
    aes_key: t("admin.channels.aesKey"),
    auth_token: t("admin.channels.authToken"),
  };
  return names[name] || name;
}

export function channelsTab() {
  const root = el("div", { className: "admin-page", attrs: { "data-testid": "admin-channels" } });
  let ticket = 0;

  async function show() {
    const mine = ++ticket;
    const header = pageHeader(t("admin.channels.title"));
    const status = statusLine("admin-channels-status");
    root.replaceChildren(header.el, el("p", { className: "field-hint", text: t("admin.channels.intro") }), status);
    showText(status, t("admin.loading"));
    let answer;
    let stores;
    try {
      [answer, stores] = await Promise.all([api("GET", "/api/admin/channels"), storeOptions()]);
    } catch (err) {
      if (mine !== ticket) return;
      if (err && err.status === 401) sessionEnded();
      else showText(status, err.message);
      return;
    }
    if (mine !== ticket) return;
    showText(status, "");
    for (const spec of KINDS) root.append(kindSection(spec, answer[spec.list] || [], stores));
  }

  function kindSection(spec, rows, stores) {
    const list = el("ul", { className: "admin-list", attrs: { "data-testid": `admin-${spec.kind}-list` } });
    const empty = el("p", { className: "empty", text: t("admin.channels.none") });
    const items = [...rows];
    const render = () => {
      empty.hidden = items.length > 0;
      list.replaceChildren(...items.map((row) => accountRow(spec, row, stores, render, items)));
    };
    render();
    const add = button(t("admin.channels.add"), "button button-quiet", `admin-${spec.kind}-add`);
    add.setAttribute("aria-label", t("admin.channels.addTo", { list: spec.title() }));
    const slot = el("div");
    add.addEventListener("click", () => {
      add.hidden = true;
      const form = createForm(spec, stores, (row) => {
        slot.replaceChildren();
        add.hidden = false;
        if (row) {
          items.push(row);
          render();
        }
        add.focus();
      });
      slot.replaceChildren(form.el);
      form.field(spec.create[0][0]).focus();
    });
    return section(spec.title(), [list, empty, add, slot], `admin-${spec.kind}`);
  }

  function storeSelect(testid, spec, stores) {
    const options = spec.storeOptional() ? [{ value: "", label: t("admin.channels.noStore") }, ...stores] : stores;
    return select(testid, options);
  }

  function createForm(spec, stores, done) {
    const form = adminForm({
      testid: `admin-${spec.kind}-form`,
      submitLabel: t("admin.channels.save"),
      onSubmit: async () => {
        const body = {};
        for (const [name] of spec.create) {
          const value = form.value(name);
          if (value !== "" || !spec.secrets.includes(name)) body[name] = value;
        }
        const store = form.value("store");
        if (store) body.store = store;
        const answer = await api("POST", `/api/admin/channels/${spec.path}`, body);
        announce(t("admin.channels.added", { name: answer[spec.one][spec.key] }));
        done(answer[spec.one]);
      },
    });
    for (const [name, label, control, hint] of spec.create) form.add(name, label(), control(), { hint: hint && hint() });
    form.add("store", t("admin.channels.store"), storeSelect(`admin-${spec.kind}-store`, spec, stores));
    const cancel = button(t("common.cancel"), "button button-quiet", `admin-${spec.kind}-cancel`);
    cancel.addEventListener("click", () => done(null));
    form.actions.append(cancel);
    return form;
  }

  function accountRow(spec, row, stores, render, items) {
    const name = row[spec.key];
    const slot = el("div", { className: "admin-type-form" });
    const actions = el("div", { className: "admin-row-actions" });
    const meta = el("span", { className: "admin-row-meta" });
    const secrets = el("span");
    const describe = () => {
      meta.textContent = spec.meta(row).filter(Boolean).join(" · ");
      secrets.replaceChildren(...[secretsLine(spec, row)].filter(Boolean));
    };
    describe();
    const attrs = { "data-testid": `admin-${spec.kind}-row`, "data-key": name };
    const item = el("li", { className: "admin-row admin-row-stack", attrs }, [
      el("div", { className: "admin-row-line" }, [el("span", { className: "admin-row-main-text", text: name }), meta, secrets, actions]),
      slot,
    ]);
    if (spec.secrets.length) {
      const rotate = button(t("admin.channels.rotate"), "button button-quiet button-small", `admin-${spec.kind}-rotate`);
      rotate.setAttribute("aria-expanded", "false");
      rotate.addEventListener("click", () => {
        if (slot.firstChild) {
          slot.replaceChildren();
          rotate.setAttribute("aria-expanded", "false");
          return;
        }
        const form = rotateForm(spec, row, stores, (updated) => {
          Object.assign(row, updated);
          describe();
        });
        slot.replaceChildren(form.el);
        rotate.setAttribute("aria-expanded", "true");
        form.field(spec.secrets[0]).focus();
      });
      actions.append(rotate);
    }
    if (spec.deletable()) {
      const confirm = inlineConfirm({
        message: t("admin.channels.deleteConfirm", { name }),
        confirmLabel: t("admin.delete"),
        testid: `admin-${spec.kind}-delete`,
        onConfirm: async () => {
          await api("DELETE", `/api/admin/channels/${spec.path}/${seg(name)}`);
          items.splice(items.indexOf(row), 1);
          announce(t("admin.channels.deleted", { name }));
          render();
        },
      });
      const remove = button(t("admin.delete"), "button button-danger-outline button-small", `admin-${spec.kind}-delete`);
      remove.addEventListener("click", () => confirm.open());
      actions.append(remove);
      item.append(confirm.el);
    }
    return item;
  }

  /** New secrets (each optional) and the store; the fields are empty again once saved. */
  function rotateForm(spec, row, stores, saved) {
    const done = el("p", { className: "admin-saved", attrs: { role: "status", "data-testid": `admin-${spec.kind}-rotated` } });
    done.hidden = true;
    const form = adminForm({
      testid: `admin-${spec.kind}-rotate-form`,
      submitLabel: t("admin.channels.saveSecrets"),
      onSubmit: async () => {
        showText(done, "");
        const body = {};
        for (const name of spec.secrets) if (form.value(name)) body[name] = form.value(name);
        if (form.value("store") !== (row.store || "")) body.store = form.value("store") || null;
        if (!Object.keys(body).length) {
          showText(done, t("admin.nothingChanged"));
          return;
        }
        const answer = await api("PATCH", `/api/admin/channels/${spec.path}/${seg(row[spec.key])}`, body);
        for (const name of spec.secrets) form.set(name, "");
        saved(answer[spec.one]);
        showText(done, t("admin.channels.rotated"));
      },
    });
    for (const name of spec.secrets) {
      const created = spec.create.find(([field]) => field === name);
      form.add(name, created[1](), secret(`admin-${spec.kind}-rotate-${name.replace(/_/g, "-")}`), { hint: t("admin.channels.keepHint") });
    }
    const store = form.add("store", t("admin.channels.store"), storeSelect(`admin-${spec.kind}-rotate-store`, spec, stores));
    store.set(row.store || "");
    form.actions.append(done);
    return form;
  }

  return { el: root, show };
}

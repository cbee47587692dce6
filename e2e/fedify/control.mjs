// SPDX-License-Identifier: AGPL-3.0-or-later
// The peer's JSON control API under /_control/, which Go tests use to make the
// peer act (follow, post, like, announce, undo, delete, look up, fetch) and to
// read what it received. No authentication: it listens on loopback only.

import { createHash, randomUUID } from "node:crypto";
import {
  Announce,
  Create,
  Delete,
  Document,
  Follow,
  isActor,
  Like,
  Mention,
  Note,
  PUBLIC_COLLECTION,
  signRequest,
  Tombstone,
  Undo,
} from "@fedify/fedify";
import { Temporal } from "@js-temporal/polyfill";
import { LOCAL_ACTORS } from "./federation.mjs";

/** An error with the HTTP status the control API answers with. */
export class ControlError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

const MAX_FETCH_BYTES = 64 << 20;

/**
 * Returns the control API handler: (method, url, body) => JSON-able result.
 * It throws ControlError for caller mistakes; any other error means the peer
 * could not do what was asked (for instance a delivery was refused).
 */
export function controlAPI(federation, state, origin) {
  const ctx = () => federation.createContext(new URL(origin), undefined);
  const routes = {
    "GET inbox": (q) => state.inbox.get(local(q.as)),
    "GET deliveries": () => state.deliveries,
    "GET followers": (q) => [...state.followers.get(local(q.as)).keys()],
    "GET following": (q) =>
      [...state.following.get(local(q.as)).entries()].map(([actor, f]) => ({ actor, ...f })),
    "POST follow": (_q, b) => follow(ctx(), state, b),
    "POST post": (_q, b) => post(ctx(), state, b),
    "POST like": (_q, b) => react(ctx(), state, b, "like"),
    "POST announce": (_q, b) => react(ctx(), state, b, "announce"),
    "POST undo": (_q, b) => undo(ctx(), state, b),
    "POST delete": (_q, b) => deleteNote(ctx(), state, b),
    "POST lookup": (_q, b) => lookup(ctx(), b),
    "POST fetch": (_q, b) => fetchURL(ctx(), b),
    "POST vote": (_q, b) => vote(ctx(), state, b),
  };
  return async (method, url, body) => {
    const name = url.pathname.slice("/_control/".length);
    const route = routes[`${method} ${name}`];
    if (route == null) throw new ControlError(404, `no control route ${method} ${name}`);
    return await route(Object.fromEntries(url.searchParams), body ?? {});
  };
}

function local(as) {
  if (!LOCAL_ACTORS.includes(as)) {
    throw new ControlError(400, `"as" must be one of ${LOCAL_ACTORS.join(", ")}`);
  }
  return as;
}

async function resolveActor(ctx, handleOrURL) {
  if (typeof handleOrURL !== "string" || handleOrURL === "") {
    throw new ControlError(400, "an actor handle or URL is required");
  }
  const actor = await ctx.lookupObject(handleOrURL);
  if (!isActor(actor)) throw new ControlError(404, `cannot resolve actor ${handleOrURL}`);
  return actor;
}

function dedupe(recipients) {
  const byId = new Map();
  for (const r of recipients) byId.set(r.id.href, r);
  return [...byId.values()];
}

/** Delivers now (no retries), so a refused delivery fails the control call. */
async function send(ctx, state, as, recipients, activity, preferSharedInbox) {
  recipients = dedupe(recipients);
  state.sent.set(activity.id.href, { identifier: as, activity, recipients, preferSharedInbox });
  if (recipients.length === 0) return;
  await ctx.sendActivity({ identifier: as }, recipients, activity, {
    immediate: true,
    preferSharedInbox,
  });
}

function followerRecipients(state, as) {
  return [...state.followers.get(as).values()].map((f) => f.recipient);
}

async function follow(ctx, state, { as, handle }) {
  local(as);
  const target = await resolveActor(ctx, handle);
  const me = ctx.getActorUri(as);
  const activity = new Follow({
    id: new URL(`${me.href}/follows/${randomUUID()}`),
    actor: me,
    object: target.id,
    to: target.id,
  });
  state.following.get(as).set(target.id.href, { followId: activity.id.href, state: "pending" });
  await send(ctx, state, as, [target], activity, false);
  return { id: activity.id.href, actor: target.id.href };
}

function addressing(ctx, as, to, mentionIds) {
  const followers = ctx.getFollowersUri(as);
  switch (to ?? "public") {
    case "public":
      return { tos: [PUBLIC_COLLECTION], ccs: [followers, ...mentionIds] };
    case "unlisted":
      return { tos: [followers], ccs: [PUBLIC_COLLECTION, ...mentionIds] };
    case "followers":
      return { tos: [followers], ccs: mentionIds };
    case "direct":
      return { tos: mentionIds, ccs: [] };
    default:
      throw new ControlError(400, `"to" must be public, unlisted, followers or direct`);
  }
}

async function post(ctx, state, b) {
  const as = local(b.as);
  const mentioned = [];
  for (const m of b.mentions ?? []) mentioned.push(await resolveActor(ctx, m));
  const audience = addressing(ctx, as, b.to, mentioned.map((a) => a.id));
  const me = ctx.getActorUri(as);
  const id = ctx.getObjectUri(Note, { identifier: as, id: randomUUID() });
  const published = Temporal.Now.instant();
  const note = new Note({
    id,
    url: id,
    attribution: me,
    content: b.content ?? "",
    summary: b.summary ?? null,
    sensitive: b.sensitive ?? false,
    replyTarget: b.inReplyTo ? new URL(b.inReplyTo) : null,
    published,
    ...audience,
    tags: mentioned.map((a) => new Mention({ href: a.id, name: `@${a.preferredUsername}@${a.id.host}` })),
    attachments: (b.attachments ?? []).map((a) =>
      new Document({ url: new URL(a.url), mediaType: a.mediaType ?? null, name: a.name ?? null })
    ),
  });
  const create = new Create({ id: new URL(`${id.href}/activity`), actor: me, object: note, published, ...audience });
  state.addNote(as, create);
  const recipients = b.to === "direct" ? mentioned : [...followerRecipients(state, as), ...mentioned];
  await send(ctx, state, as, recipients, create, true);
  return { id: id.href, activityId: create.id.href };
}

async function react(ctx, state, { as, object }, kind) {
  local(as);
  if (typeof object !== "string") throw new ControlError(400, `"object" must be a URL`);
  const target = await ctx.lookupObject(object);
  if (target?.attributionId == null) throw new ControlError(404, `cannot resolve the author of ${object}`);
  const author = await resolveActor(ctx, target.attributionId.href);
  const me = ctx.getActorUri(as);
  if (kind === "like") {
    const like = new Like({ id: new URL(`${me.href}/likes/${randomUUID()}`), actor: me, object: new URL(object), to: author.id });
    await send(ctx, state, as, [author], like, false);
    return { id: like.id.href };
  }
  const announce = new Announce({
    id: new URL(`${me.href}/announces/${randomUUID()}`),
    actor: me,
    object: new URL(object),
    published: Temporal.Now.instant(),
    tos: [PUBLIC_COLLECTION],
    ccs: [author.id, ctx.getFollowersUri(as)],
  });
  await send(ctx, state, as, [author, ...followerRecipients(state, as)], announce, true);
  return { id: announce.id.href };
}

/** Votes on a poll as Mastodon does: a Create of a Note named after the option, replying to the Question, to its author only. */
async function vote(ctx, state, { as, question, name }) {
  local(as);
  if (typeof question !== "string" || typeof name !== "string" || name === "") {
    throw new ControlError(400, `"question" (a URL) and "name" (an option) are required`);
  }
  const target = await ctx.lookupObject(question);
  if (target?.attributionId == null) throw new ControlError(404, `cannot resolve the author of ${question}`);
  const author = await resolveActor(ctx, target.attributionId.href);
  const me = ctx.getActorUri(as);
  const id = new URL(`${me.href}#votes/${randomUUID()}`);
  const note = new Note({ id, name, attribution: me, replyTarget: new URL(question), to: author.id });
  const create = new Create({
    id: new URL(`${me.href}/votes/${randomUUID()}`), actor: me, object: note, to: author.id,
    published: Temporal.Now.instant(),
  });
  await send(ctx, state, as, [author], create, false);
  return { id: id.href, activityId: create.id.href };
}

async function undo(ctx, state, { as, activityId }) {
  local(as);
  const original = state.sent.get(activityId);
  if (original == null || original.identifier !== as) {
    throw new ControlError(404, `${as} has not sent ${activityId}`);
  }
  const me = ctx.getActorUri(as);
  const activity = new Undo({
    id: new URL(`${me.href}/undos/${randomUUID()}`),
    actor: me,
    object: original.activity,
    tos: original.activity.toIds,
    ccs: original.activity.ccIds,
  });
  if (original.activity instanceof Follow) state.following.get(as).delete(original.activity.objectId.href);
  await send(ctx, state, as, original.recipients, activity, original.preferSharedInbox);
  return { id: activity.id.href };
}

async function deleteNote(ctx, state, { as, object }) {
  local(as);
  const entry = state.notes.get(object);
  if (entry == null || entry.identifier !== as) throw new ControlError(404, `${as} has no note ${object}`);
  const sent = state.sent.get(entry.create.id.href);
  const me = ctx.getActorUri(as);
  const activity = new Delete({
    id: new URL(`${object}#delete`),
    actor: me,
    object: new Tombstone({ id: new URL(object) }),
    tos: [PUBLIC_COLLECTION],
    ccs: [ctx.getFollowersUri(as)],
  });
  state.notes.delete(object);
  const recipients = [...followerRecipients(state, as), ...(sent?.recipients ?? [])];
  await send(ctx, state, as, recipients, activity, true);
  return { id: activity.id.href };
}

async function lookup(ctx, { handle, url, as }) {
  const target = handle ?? url;
  if (typeof target !== "string") throw new ControlError(400, `"handle" or "url" is required`);
  // getDocumentLoader({identifier}) returns a promise in Fedify 1.5.
  const documentLoader = as == null ? undefined : await ctx.getDocumentLoader({ identifier: local(as) });
  const object = await ctx.lookupObject(target, { documentLoader });
  if (object == null) throw new ControlError(404, `cannot resolve ${target}`);
  const json = await object.toJsonLd({ contextLoader: ctx.contextLoader });
  return { id: object.id?.href ?? null, type: json.type ?? null, json };
}

async function fetchURL(ctx, { url, accept, userAgent, as }) {
  if (typeof url !== "string") throw new ControlError(400, `"url" is required`);
  const headers = new Headers();
  if (accept) headers.set("Accept", accept);
  if (userAgent) headers.set("User-Agent", userAgent);
  let request = new Request(url, { headers, redirect: "follow" });
  if (as != null) {
    const [rsa] = await ctx.getActorKeyPairs(local(as));
    request = await signRequest(request, rsa.privateKey, rsa.keyId);
  }
  const response = await fetch(request, { signal: AbortSignal.timeout(30_000) });
  const body = await readLimited(response, MAX_FETCH_BYTES);
  return {
    url: response.url,
    status: response.status,
    contentType: response.headers.get("Content-Type"),
    headers: Object.fromEntries(response.headers),
    bytes: body.length,
    sha256: createHash("sha256").update(body).digest("hex"),
  };
}

async function readLimited(response, limit) {
  const chunks = [];
  let total = 0;
  for await (const chunk of response.body ?? []) {
    total += chunk.length;
    if (total > limit) throw new ControlError(502, `response larger than ${limit} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

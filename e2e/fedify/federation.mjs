// SPDX-License-Identifier: AGPL-3.0-or-later
// The Fedify side of the test peer: two local actors, their keys, collections,
// notes and an inbox that verifies HTTP signatures (Fedify's default) and
// records what it accepted. All state is in memory and dies with the process.

import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import {
  Accept,
  Activity,
  createFederation,
  Endpoints,
  Follow,
  generateCryptoKeyPair,
  getDocumentLoader,
  InProcessMessageQueue,
  MemoryKvStore,
  Note,
  Person,
  Reject,
  Undo,
} from "@fedify/fedify";

/** The actors this peer hosts. */
export const LOCAL_ACTORS = ["bob", "carol"];

/**
 * Carries the raw JSON body of the inbox POST being handled into the inbox
 * listeners, so that the recorded activity is exactly what the sender sent,
 * not Fedify's re-serialisation of it.
 */
export const rawBody = new AsyncLocalStorage();

/** In-memory state shared by the federation callbacks and the control API. */
export class PeerState {
  constructor() {
    this.keys = new Map(); // identifier -> CryptoKeyPair[] (RSA first, then Ed25519)
    this.inbox = new Map(); // identifier -> recorded activities, in arrival order
    this.followers = new Map(); // identifier -> Map(actor id -> {recipient, followId})
    this.following = new Map(); // identifier -> Map(actor id -> {followId, state})
    this.notes = new Map(); // note id -> {identifier, create: Create}
    this.sent = new Map(); // activity id -> {identifier, activity, recipients}
    this.deliveries = []; // every POST to an inbox: {path, status, id, type, error}
    this.seq = 0;
    for (const id of LOCAL_ACTORS) {
      this.inbox.set(id, []);
      this.followers.set(id, new Map());
      this.following.set(id, new Map());
    }
  }

  /**
   * Makes RSA (draft-cavage signatures) and Ed25519 (object proofs) keys.
   * RSA keys are 2048-bit, like Mastodon's, rather than Fedify's default 4096:
   * generating four 4096-bit keys costs seconds at every peer start.
   */
  async generateKeys() {
    const rsa = () =>
      crypto.subtle.generateKey(
        {
          name: "RSASSA-PKCS1-v1_5",
          modulusLength: 2048,
          publicExponent: new Uint8Array([1, 0, 1]),
          hash: "SHA-256",
        },
        true,
        ["sign", "verify"],
      );
    await Promise.all(LOCAL_ACTORS.map(async (id) => {
      const [r, e] = await Promise.all([rsa(), generateCryptoKeyPair("Ed25519")]);
      this.keys.set(id, [r, e]);
    }));
  }

  /** Stores a note's Create activity so the note can be served and listed. */
  addNote(identifier, create) {
    this.notes.set(create.objectId.href, { identifier, create });
  }
}

/**
 * Builds the Fedify federation for the peer.
 * @param {PeerState} state
 * @param {{sharedInbox: boolean}} opts
 */
export function buildFederation(state, opts) {
  const federation = createFederation({
    kv: new MemoryKvStore(),
    // Inbox activities are handled inline, so a 202 means "already recorded";
    // outgoing Accepts go through a retrying in-process queue.
    queue: { outbox: new InProcessMessageQueue() },
    allowPrivateAddress: true,
    // No remote-document cache (Fedify's default keeps documents for minutes):
    // tests change actors and delete notes and must see that at once.
    documentLoaderFactory: (o) =>
      getDocumentLoader({ allowPrivateAddress: true, userAgent: o?.userAgent }),
  });
  setActors(federation, state, opts);
  setCollections(federation, state);
  setInbox(federation, state);
  return federation;
}

function setActors(federation, state, opts) {
  federation
    .setActorDispatcher("/users/{identifier}", async (ctx, identifier) => {
      if (!LOCAL_ACTORS.includes(identifier)) return null;
      const keys = await ctx.getActorKeyPairs(identifier);
      return new Person({
        id: ctx.getActorUri(identifier),
        preferredUsername: identifier,
        name: identifier[0].toUpperCase() + identifier.slice(1),
        summary: "<p>A Fedify test peer standing in for a remote instance.</p>",
        url: ctx.getActorUri(identifier),
        inbox: ctx.getInboxUri(identifier),
        endpoints: opts.sharedInbox
          ? new Endpoints({ sharedInbox: ctx.getInboxUri() })
          : null,
        outbox: ctx.getOutboxUri(identifier),
        followers: ctx.getFollowersUri(identifier),
        following: ctx.getFollowingUri(identifier),
        manuallyApprovesFollowers: false,
        discoverable: true,
        publicKey: keys[0].cryptographicKey,
        assertionMethods: keys.map((k) => k.multikey),
      });
    })
    .mapHandle((_ctx, username) => (LOCAL_ACTORS.includes(username) ? username : null))
    .setKeyPairsDispatcher((_ctx, identifier) => state.keys.get(identifier) ?? []);

  federation.setObjectDispatcher(
    Note,
    "/users/{identifier}/notes/{id}",
    async (ctx, values) => {
      const uri = ctx.getObjectUri(Note, values).href;
      const entry = state.notes.get(uri);
      if (entry == null || entry.identifier !== values.identifier) return null;
      return await entry.create.getObject();
    },
  );
}

function setCollections(federation, state) {
  federation.setOutboxDispatcher("/users/{identifier}/outbox", (_ctx, identifier) => {
    const items = [...state.notes.values()]
      .filter((n) => n.identifier === identifier)
      .map((n) => n.create)
      .reverse();
    return { items };
  });
  federation.setFollowersDispatcher("/users/{identifier}/followers", (_ctx, identifier) => {
    const items = [...(state.followers.get(identifier)?.values() ?? [])].map((f) => f.recipient);
    return { items };
  });
  federation.setFollowingDispatcher("/users/{identifier}/following", (_ctx, identifier) => {
    const items = [...(state.following.get(identifier)?.entries() ?? [])]
      .filter(([, f]) => f.state === "accepted")
      .map(([id]) => new URL(id));
    return { items };
  });
}

function setInbox(federation, state) {
  federation
    .setInboxListeners("/users/{identifier}/inbox", "/inbox")
    .on(Follow, (ctx, follow) => onFollow(ctx, state, follow))
    .on(Accept, (ctx, accept) => onAnswer(ctx, state, accept, "accepted"))
    .on(Reject, (ctx, reject) => onAnswer(ctx, state, reject, "rejected"))
    .on(Undo, (ctx, undo) => onUndo(ctx, state, undo))
    .on(Activity, (ctx, activity) => record(ctx, state, activity))
    .onError((_ctx, error) => {
      console.error(`inbox listener error: ${error?.stack ?? error}`);
    });
}

/**
 * Appends the activity to the inbox of every local actor it concerns and
 * returns those actors. A personal inbox concerns its owner; for the shared
 * inbox, an actor is concerned when the activity names the actor (or something
 * under its URI, such as its notes or followers collection) anywhere, or comes
 * from someone the actor follows.
 */
async function record(ctx, state, activity) {
  const raw = rawBody.getStore()?.raw ?? (await activity.toJsonLd());
  const targets = ctx.recipient != null
    ? [ctx.recipient]
    : LOCAL_ACTORS.filter((id) => concerns(ctx, state, id, raw));
  for (const id of targets) {
    state.inbox.get(id)?.push({
      seq: ++state.seq,
      via: ctx.recipient != null ? "personal" : "shared",
      type: raw.type,
      id: raw.id ?? null,
      actor: idOf(raw.actor),
      object: raw.object ?? null,
      json: raw,
      receivedAt: new Date().toISOString(),
    });
  }
  return targets;
}

function concerns(ctx, state, identifier, raw) {
  const uri = ctx.getActorUri(identifier).href;
  const actor = idOf(raw.actor);
  if (actor != null && state.following.get(identifier).has(actor)) return true;
  const seen = new Set();
  const walk = (v) => {
    if (typeof v === "string") {
      return v === uri || v.startsWith(uri + "/") || v.startsWith(uri + "#");
    }
    if (v == null || typeof v !== "object" || seen.has(v)) return false;
    seen.add(v);
    return Object.values(v).some(walk);
  };
  return walk(raw);
}

function idOf(v) {
  if (typeof v === "string") return v;
  if (Array.isArray(v)) return idOf(v[0]);
  if (v != null && typeof v === "object" && typeof v.id === "string") return v.id;
  return null;
}

async function onFollow(ctx, state, follow) {
  await record(ctx, state, follow);
  const parsed = follow.objectId == null ? null : ctx.parseUri(follow.objectId);
  if (parsed?.type !== "actor" || !LOCAL_ACTORS.includes(parsed.identifier)) return;
  const identifier = parsed.identifier;
  const follower = await follow.getActor(ctx);
  if (follower?.id == null || follower.inboxId == null) {
    console.error(`follow ${follow.id?.href}: cannot resolve the follower`);
    return;
  }
  state.followers.get(identifier).set(follower.id.href, {
    recipient: {
      id: follower.id,
      inboxId: follower.inboxId,
      endpoints: { sharedInbox: follower.endpoints?.sharedInbox ?? null },
    },
    followId: follow.id?.href ?? null,
  });
  const accept = new Accept({
    id: new URL(`${ctx.getActorUri(identifier).href}/accepts/${randomUUID()}`),
    actor: ctx.getActorUri(identifier),
    object: follow,
    to: follower.id,
  });
  await ctx.sendActivity({ identifier }, follower, accept);
}

async function onAnswer(ctx, state, answer, newState) {
  await record(ctx, state, answer);
  const followId = answer.objectId?.href;
  const from = answer.actorId?.href;
  for (const following of state.following.values()) {
    for (const [target, f] of following) {
      if (target === from && (followId == null || f.followId === followId)) f.state = newState;
    }
  }
}

async function onUndo(ctx, state, undo) {
  await record(ctx, state, undo);
  const raw = rawBody.getStore()?.raw;
  const inner = raw?.object;
  if (inner == null || typeof inner !== "object" || inner.type !== "Follow") return;
  const target = parseLocal(ctx, idOf(inner.object));
  if (target?.type !== "actor") return;
  const actor = idOf(raw.actor);
  if (actor != null && idOf(inner.actor) === actor) {
    state.followers.get(target.identifier)?.delete(actor);
  }
}

function parseLocal(ctx, uri) {
  try {
    return uri == null ? null : ctx.parseUri(new URL(uri));
  } catch {
    return null;
  }
}

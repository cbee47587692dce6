// masto.js (the library of Elk and Phanpy) against a live Pictor server:
// register an app, log in with the authorization-code flow, upload an image
// with alt text, post it with a content warning, edit it, read the home and
// public timelines, see a keyword filter's result on a post, subscribe to
// Web Push and receive a like, follow an
// account on a Fedify peer, see its reply as a notification, set posting
// defaults, note, endorse, feature a hashtag, browse the directory and a
// multi-hashtag timeline, and stream a new post. Driven by e2e/clientapi_test.go.
import { readFile } from "node:fs/promises";
import WebSocket from "ws";
import { createOAuthAPIClient, createRestAPIClient, createStreamingAPIClient } from "masto";
import { ask, authorizeURL, check, done, env, eventually, log, REDIRECT_URI, withTimeout } from "./lib.mjs";

// Node 22 has a global WebSocket; on Node 20 masto.js gets the ws package's.
globalThis.WebSocket ??= WebSocket;

const url = env("PICTOR_URL");
const peerHandle = env("PEER_HANDLE");
const image = await readFile(env("PICTOR_IMAGE"));
const scope = "read write follow push";

// App registration and login.
const anon = createRestAPIClient({ url });
const app = await anon.v1.apps.create({ clientName: "Pictor e2e (masto.js)", redirectUris: REDIRECT_URI, scopes: scope });
check(app.clientId && app.clientSecret, "app registration", app);
const { code } = await ask("authorize", { url: authorizeURL(url, app.clientId, scope) });
const oauth = createOAuthAPIClient({ url });
const token = await oauth.token.create({
  grantType: "authorization_code", clientId: app.clientId, clientSecret: app.clientSecret,
  redirectUri: REDIRECT_URI, code, scope,
});
check(token.accessToken, "token", token);
const masto = createRestAPIClient({ url, accessToken: token.accessToken });
const me = await masto.v1.accounts.verifyCredentials();
log("logged in as", me.acct);

// Start-up calls Elk and Phanpy make.
const instance = await masto.v2.instance.fetch();
check(instance.configuration.urls.streaming, "instance v2 streaming URL", instance.configuration);
await masto.v1.preferences.fetch();
await masto.v1.customEmojis.list();

// Stream first, so the events below arrive on it.
const streaming = createStreamingAPIClient({
  streamingApiUrl: instance.configuration.urls.streaming, accessToken: token.accessToken, implementation: WebSocket, retry: false,
});
const events = [];
const subscription = streaming.user.subscribe();
(async () => {
  for await (const e of subscription) events.push(e);
})();
const waitEvent = (what, pred) => eventually(what, () => events.find(pred), 30000);

// Upload with alt text; masto.js polls GET /api/v1/media/:id until url is set.
const media = await masto.v2.media.create({
  file: new Blob([image], { type: "image/png" }), description: "A gradient test card", focus: "0.25,-0.5",
});
check(media.url && media.description === "A gradient test card", "media upload", media);
check(media.meta?.focus?.x === 0.25, "media focus", media.meta);

// Post with a content warning, then edit it.
const status = await masto.v1.statuses.create({
  status: "Hello from masto.js #pictor", mediaIds: [media.id], spoilerText: "test card", visibility: "public",
});
check(status.spoilerText === "test card" && status.sensitive, "content warning", status);
check(status.mediaAttachments.length === 1 && status.mediaAttachments[0].description === "A gradient test card",
  "attachment with alt text", status.mediaAttachments);
const edited = await masto.v1.statuses.$select(status.id).update({
  status: "Hello again from masto.js #pictor", spoilerText: "test card", mediaIds: [media.id],
});
check(edited.editedAt && edited.content.includes("Hello again"), "edit", edited);
const history = await masto.v1.statuses.$select(status.id).history.list();
check(history.length === 2, "edit history", history);

// Web Push for favourites only: the test's push service decrypts what a
// like of the post brings and answers with the payload.
const vapid = instance.configuration.vapid.publicKey;
check(vapid && app.vapidKey === vapid, "VAPID key of the app and the instance", { app: app.vapidKey, vapid });
const keys = await ask("push_endpoint");
const pushSub = await masto.v1.push.subscription.create({
  subscription: { endpoint: keys.endpoint, keys: { p256dh: keys.p256dh, auth: keys.auth } },
  data: { alerts: { favourite: true, mention: false } }, policy: "all",
});
check(pushSub.serverKey === vapid && pushSub.alerts.favourite && !pushSub.alerts.mention, "push subscription", pushSub);
const pushed = await ask("like_for_push", { uri: status.uri });
const liked = await masto.v1.notifications.$select(pushed.id).fetch();
check(pushed.type === "favourite" && pushed.token === token.accessToken && liked.type === "favourite" &&
  liked.status?.id === status.id, "push of the like", { pushed, liked });

// Timelines (masto.js pages through Link headers).
const home = await masto.v1.timelines.home.list({ limit: 40 });
check(home.some((s) => s.id === status.id), "post in home timeline", home.map((s) => s.id));
const local = await masto.v1.timelines.public.list({ local: true });
check(local.some((s) => s.id === status.id), "post in local timeline", local.map((s) => s.id));
await masto.v1.statuses.create({ status: "A second post, for paging", visibility: "unlisted" });
const pages = [];
for await (const page of masto.v1.timelines.home.list({ limit: 1 })) {
  pages.push(page.map((s) => s.id));
  if (pages.length === 2) break;
}
check(pages.length === 2 && pages[0].length === 1 && pages[1].length === 1 && pages[0][0] > pages[1][0],
  "Link-header paging", pages);

// A v2 keyword filter marks matching posts with "filtered" (a warn filter hides nothing).
const filter = await masto.v2.filters.create({
  title: "pictor tag", context: ["home"], filterAction: "warn", keywordsAttributes: [{ keyword: "#pictor", wholeWord: true }],
});
const filtered = (await masto.v1.timelines.home.list({ limit: 40 })).find((s) => s.id === status.id);
check(filtered?.filtered?.[0]?.filter?.id === filter.id && filtered.filtered[0].keywordMatches?.[0] === "#pictor",
  "v2 filter result on a status", filtered?.filtered);
await masto.v2.filters.$select(filter.id).remove();

// Follow an account on the Fedify peer, found by WebFinger through search.
const found = await masto.v2.search.list({ q: peerHandle, resolve: true, type: "accounts" });
const bob = found.accounts?.[0];
check(bob && bob.acct.startsWith("bob@"), "resolve remote account", found);
let rel = await masto.v1.accounts.$select(bob.id).follow();
check(rel.following || rel.requested, "follow", rel);
await eventually("follow accepted", async () => {
  [rel] = await masto.v1.accounts.relationships.fetch({ id: [bob.id] });
  return rel.following;
});
log("following", bob.acct);

// The peer replies; the reply shows up as a mention notification.
await ask("reply", { uri: status.uri, acct: me.acct });
const note = await waitEvent("mention notification on the stream", (e) => e.event === "notification" && e.payload.type === "mention");
check(note.payload.account.id === bob.id && note.payload.status.inReplyToId === status.id, "remote reply notification", note.payload);
const notifications = await masto.v1.notifications.list({ types: ["mention"] });
check(notifications.some((n) => n.status?.inReplyToId === status.id), "reply in notifications", notifications);

// Posting defaults set as Tusky and Elk do (update_credentials' source, sent
// by masto.js as multipart) show in verify_credentials and preferences and
// apply to a post that names no visibility.
const updated = await masto.v1.accounts.updateCredentials({ source: { privacy: "unlisted", sensitive: true, language: "de" } });
check(updated.source?.privacy === "unlisted" && updated.source.sensitive && updated.source.language === "de",
  "update_credentials source", updated.source);
const prefs = await masto.v1.preferences.fetch();
check((prefs["posting:default:visibility"] ?? prefs.postingDefaultVisibility) === "unlisted", "preferences", prefs);
const plain = await masto.v1.statuses.create({ status: "No visibility given #pictor #defaults" });
check(plain.visibility === "unlisted" && plain.sensitive && plain.language === "de", "posting defaults applied",
  { visibility: plain.visibility, sensitive: plain.sensitive, language: plain.language });
await masto.v1.accounts.updateCredentials({ source: { privacy: "public", sensitive: false } });

// Private note and endorsement of the followed peer account, featured
// hashtags, the directory and a multi-hashtag timeline (any[]).
rel = await masto.v1.accounts.$select(bob.id).note.create({ comment: "Fedify test peer" });
check(rel.note === "Fedify test peer", "private note", rel);
rel = await masto.v1.accounts.$select(bob.id).pin();
check(rel.endorsed, "endorse", rel);
const endorsed = await masto.v1.endorsements.list();
check(endorsed.some((a) => a.id === bob.id), "endorsements", endorsed.map((a) => a.acct));
const featured = await masto.v1.featuredTags.create({ name: "pictor" });
check(featured.name === "pictor" && Number(featured.statusesCount) >= 1, "featured tag", featured);
const mine = await masto.v1.accounts.$select(me.id).featuredTags.list();
check(mine.some((t) => t.id === featured.id), "account featured tags", mine);
await masto.v1.featuredTags.$select(featured.id).remove();
const dir = await masto.v1.directory.list({ local: true, order: "new" });
check(dir.some((a) => a.id === me.id), "directory", dir.map((a) => a.acct));
const multi = await masto.v1.timelines.tag.$select("defaults").list({ any: ["pictor"], none: ["nothing"] });
check(multi.some((s) => s.id === status.id) && !multi.some((s) => s.id === plain.id),
  "tag timeline with any[] (public posts only)", multi.map((s) => s.id));

// A new post streams to the author.
const fresh = await masto.v1.statuses.create({ status: "Streamed from masto.js", visibility: "public" });
await waitEvent("update event for the new post", (e) => e.event === "update" && e.payload.id === fresh.id);
subscription.unsubscribe();
streaming.close();
done({ client: "masto.js", status: status.id, events: events.length });

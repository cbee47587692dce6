// megalodon (the library of Whalebird) against a live Pictor server: the
// same journey as masto.mjs with megalodon's form and multipart bodies and
// its access_token-in-the-query WebSocket. Driven by e2e/clientapi_test.go.
import { createReadStream } from "node:fs";
import generator from "megalodon";
import { ask, check, done, env, eventually, log, REDIRECT_URI } from "./lib.mjs";

const url = env("PICTOR_URL");
const peerHandle = env("PEER_HANDLE");
const imagePath = env("PICTOR_IMAGE");
const scopes = ["read", "write", "follow", "push"];

// App registration and login.
const anon = generator("mastodon", url);
const app = await anon.registerApp("Pictor e2e (megalodon)", { scopes, redirect_uris: REDIRECT_URI });
const authURL = await app.url;
check(app.client_id && authURL, "app registration", app);
const { code } = await ask("authorize", { url: authURL });
const token = await anon.fetchAccessToken(app.client_id, app.client_secret, code, REDIRECT_URI);
const accessToken = token.access_token ?? token.accessToken;
check(accessToken, "token", token);
const client = generator("mastodon", url, accessToken);
const me = (await client.verifyAccountCredentials()).data;
log("logged in as", me.acct);

// Stream first (megalodon finds the URL in /api/v1/instance urls.streaming_api).
const events = [];
const stream = await client.userStreaming();
stream.on("update", (s) => events.push({ event: "update", payload: s }));
stream.on("notification", (n) => events.push({ event: "notification", payload: n }));
stream.on("error", (err) => log("stream error", String(err)));
await eventually("stream connected", () => new Promise((resolve) => {
  stream.once("connect", () => resolve(true));
  setTimeout(() => resolve(false), 2000);
}), 20000).catch(() => log("no connect event seen; continuing"));
const waitEvent = (what, pred) => eventually(what, () => events.find(pred), 30000);

// Upload (multipart, form-data package) with alt text.
const media = (await client.uploadMedia(createReadStream(imagePath), { description: "A gradient test card" })).data;
check(media.id && media.url && media.description === "A gradient test card", "media upload", media);

// Post with a content warning, then edit it.
const status = (await client.postStatus("Hello from megalodon #pictor", {
  media_ids: [media.id], spoiler_text: "test card", visibility: "public",
})).data;
check(status.spoiler_text === "test card" && status.media_attachments.length === 1, "post with CW and media", status);
const edited = (await client.editStatus(status.id, {
  status: "Hello again from megalodon #pictor", spoiler_text: "test card", media_ids: [media.id],
})).data;
check(edited.edited_at && edited.content.includes("Hello again"), "edit", edited);

// Timelines.
const home = (await client.getHomeTimeline({ limit: 40 })).data;
check(home.some((s) => s.id === status.id), "post in home timeline", home.map((s) => s.id));
const local = (await client.getLocalTimeline({ limit: 40 })).data;
check(local.some((s) => s.id === status.id), "post in local timeline", local.map((s) => s.id));
const pub = (await client.getPublicTimeline({ limit: 40 })).data;
check(pub.some((s) => s.id === status.id), "post in public timeline", pub.map((s) => s.id));

// Follow an account on the Fedify peer, found by WebFinger through search.
const found = (await client.search(peerHandle, { type: "accounts", resolve: true })).data;
const bob = found.accounts?.[0];
check(bob && bob.acct.startsWith("bob@"), "resolve remote account", found);
const rel = (await client.followAccount(bob.id)).data;
check(rel.following || rel.requested, "follow", rel);
await eventually("follow accepted", async () => (await client.getRelationship(bob.id)).data.following);
log("following", bob.acct);

// The peer replies; the reply shows up as a mention notification.
await ask("reply", { uri: status.uri, acct: me.acct });
const note = await waitEvent("mention notification on the stream", (e) => e.event === "notification" && e.payload.type === "mention");
check(note.payload.account.id === bob.id && note.payload.status.in_reply_to_id === status.id, "remote reply notification", note.payload);
const notifications = (await client.getNotifications({ limit: 20 })).data;
check(notifications.some((n) => n.type === "mention" && n.status?.in_reply_to_id === status.id), "reply in notifications", notifications);

// A list holding the peer account: its reply to us shows in the list timeline.
const list = (await client.createList("Peers")).data;
check(list.id && list.title === "Peers" && list.replies_policy === "list", "create list", list);
await client.addAccountsToList(list.id, [bob.id]);
const members = (await client.getAccountsInList(list.id)).data;
check(members.some((a) => a.id === bob.id), "list members", members);
const listTimeline = (await client.getListTimeline(list.id, { limit: 20 })).data;
check(listTimeline.some((s) => s.id === note.payload.status.id), "reply in list timeline", listTimeline.map((s) => s.id));

// Posting defaults through update_credentials' source, as Whalebird sets
// them: a post without visibility takes the default; preferences agree.
const creds = (await client.updateCredentials({ source: { privacy: "private", language: "fr" } })).data;
check(creds.source?.privacy === "private" && creds.source.language === "fr", "update_credentials source", creds.source);
const prefs = (await client.getPreferences()).data;
check(prefs["posting:default:visibility"] === "private", "preferences", prefs);
const plain = (await client.postStatus("No visibility given")).data;
check(plain.visibility === "private" && plain.language === "fr", "posting defaults applied", plain);
await client.updateCredentials({ source: { privacy: "public" } });
const pinned = (await client.pinAccount(bob.id)).data;
check(pinned.endorsed, "endorse", pinned);
const endorsements = (await client.getEndorsements()).data;
check(endorsements.some((a) => a.id === bob.id), "endorsements", endorsements);

// A new post streams to the author.
const fresh = (await client.postStatus("Streamed from megalodon", { visibility: "public" })).data;
await waitEvent("update event for the new post", (e) => e.event === "update" && e.payload.id === fresh.id);
stream.stop();

// A direct message to the peer opens a conversation; read it, remove it.
const dm = (await client.postStatus(`@${bob.acct} just between us`, { visibility: "direct" })).data;
const convs = (await client.getConversationTimeline({ limit: 20 })).data;
const conv = convs.find((c) => c.last_status?.id === dm.id);
check(conv && !conv.unread && conv.accounts.some((a) => a.id === bob.id), "direct message in conversations", convs);
const read = (await client.readConversation(conv.id)).data;
check(read.id === conv.id && read.unread === false, "read conversation", read);
await client.deleteConversation(conv.id);
const after = (await client.getConversationTimeline({ limit: 20 })).data;
check(!after.some((c) => c.id === conv.id), "conversation removed", after);

// Domain blocks round-trip.
await client.blockDomain("spam.example");
const blocked = (await client.getDomainBlocks({ limit: 20 })).data;
check(blocked.includes("spam.example"), "domain block listed", blocked);
await client.unblockDomain("spam.example");
check(!(await client.getDomainBlocks({ limit: 20 })).data.includes("spam.example"), "domain unblocked");
done({ client: "megalodon", status: status.id, events: events.length });

// masto.js against a live Pictor server with the assistant on, through
// Pictor's own endpoints (masto.js builds any path from property names):
// bob is refused suggestions until he opts in with PATCH-or-PUT
// /api/v1/pictor/preferences, then fetches up to three suggested replies
// to alice's post (twice: the second is served from the cache), and alice
// asks for a description of an image she uploaded; bob may not.
// Driven by e2e/assistant_test.go (TestClientLibraryAssistant).
import { readFile } from "node:fs/promises";
import { createRestAPIClient } from "masto";
import { check, done, env, log } from "./lib.mjs";

const url = env("PICTOR_URL");
const alice = createRestAPIClient({ url, accessToken: env("ALICE_TOKEN") });
const bob = createRestAPIClient({ url, accessToken: env("BOB_TOKEN") });

const status = await alice.v1.statuses.create({ status: "Our new garden pond, finally finished", language: "en" });

const refusal = async (fn) => {
  try {
    await fn();
  } catch (err) {
    return err;
  }
  return null;
};

let err = await refusal(() => bob.v1.pictor.statuses.$select(status.id).suggestions.fetch());
check(err && err.statusCode === 403, "suggestions before opting in are refused with 403", err && { status: err.statusCode, message: err.message });

const before = await bob.v1.pictor.preferences.fetch();
check(before.replySuggestions === false && before.imageDescriptions === true, "preferences start off", before);
const prefs = await bob.v1.pictor.preferences.update({ replySuggestions: true });
check(prefs.replySuggestions === true, "reply suggestions turned on", prefs);

const first = await bob.v1.pictor.statuses.$select(status.id).suggestions.fetch();
check(Array.isArray(first.suggestions) && first.suggestions.length === 3 &&
  first.suggestions.every((s) => typeof s === "string" && s.length > 0 && s.length <= 280), "three suggestions", first);
log("suggestions", first.suggestions);
const again = await bob.v1.pictor.statuses.$select(status.id).suggestions.fetch();
check(JSON.stringify(again) === JSON.stringify(first), "the same suggestions again (cached)", again);

err = await refusal(() => bob.v1.pictor.statuses.$select("999999999").suggestions.fetch());
check(err && err.statusCode === 404, "an unknown status is 404", err && err.statusCode);

const png = await readFile(env("PNG_FILE"));
const media = await alice.v2.media.create({ file: new Blob([png], { type: "image/png" }), skipPolling: true });
const described = await alice.v1.pictor.media.$select(media.id).describe();
check(typeof described.description === "string" && described.description.length > 0, "a suggested description", described);
err = await refusal(() => bob.v1.pictor.media.$select(media.id).describe());
check(err && err.statusCode === 404, "someone else's media is 404", err && err.statusCode);

done({ suggestions: first.suggestions.length, description: described.description });

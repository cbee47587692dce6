// /imagine through masto.js (the library of Elk and Phanpy), as any app would
// send it: a plain status whose text starts with the command. The answer is
// the published post with its generated, labelled image; a prompt refused by
// moderation and an exceeded quota come back as errors the app shows.
// Driven by e2e/genimage_test.go.
import { createOAuthAPIClient, createRestAPIClient } from "masto";
import { ask, authorizeURL, check, done, env, log, REDIRECT_URI } from "./lib.mjs";

const url = env("PICTOR_URL");
const scope = "read write";

const anon = createRestAPIClient({ url });
const app = await anon.v1.apps.create({ clientName: "Pictor e2e (imagine)", redirectUris: REDIRECT_URI, scopes: scope });
const { code } = await ask("authorize", { url: authorizeURL(url, app.clientId, scope) });
const token = await createOAuthAPIClient({ url }).token.create({
  grantType: "authorization_code", clientId: app.clientId, clientSecret: app.clientSecret,
  redirectUri: REDIRECT_URI, code, scope,
});
const masto = createRestAPIClient({ url, accessToken: token.accessToken });

// The post comes back with its image, labelled for people and filters.
const status = await masto.v1.statuses.create({ status: "/imagine a paper lantern over still water", visibility: "public" });
check(status.mediaAttachments.length === 1, "generated image attached", status);
const media = status.mediaAttachments[0];
check(media.type === "image" && media.description.startsWith("AI-generated image (builtin pictor-abstract-1). Prompt: a paper lantern"),
  "alt text label", media);
check(status.content.includes("a paper lantern over still water") && status.content.includes("AIGenerated") &&
  !status.content.includes("/imagine"), "visible label and hashtag", status.content);
log("posted", status.uri);

// Refused by moderation: an error with the reason, nothing posted.
async function expectError(text, code, words) {
  try {
    await masto.v1.statuses.create({ status: text });
  } catch (err) {
    check(err.statusCode === code && words.every((w) => err.message.includes(w)), `error for ${text}`,
      { statusCode: err.statusCode, message: err.message });
    return err.message;
  }
  throw new Error(`${text} was accepted`);
}
const refusal = await expectError("/imagine explicit gore", 422, ["refused"]);
log("refused:", refusal);

// The quota (2 a day in this test) is used up by the second image.
const second = await masto.v1.statuses.create({ status: "/imagine a second lantern" });
check(second.mediaAttachments.length === 1, "second image", second);
const quota = await expectError("/imagine a third lantern", 429, ["quota exceeded: 2 images per day"]);
log("quota:", quota);

done({ uri: status.uri });

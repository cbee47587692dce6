// SPDX-License-Identifier: AGPL-3.0-or-later
// Drives Pictor's web pages in Debian's headless Chromium through
// playwright-core, as e2e/web_test.go asks: sign in, generate an image with
// the builtin backend and watch its live progress, pick it, review the alt
// text, add a content warning and post it; find it in Explore and on the
// profile, check its AI label, prompt and original file, remix it, open its
// content warning (once, for image and text); like and reply from the post
// page; like a post and follow an account of another server from
// /authorize_interaction; authorize an app, check the admin page, change the
// display name in the settings and see it on the profile, sign out, and
// check the layout on a phone-sized and a desktop viewport. Screenshots go
// to $PICTOR_SCREENSHOTS when it is set.
//
// The Go test holds the generation until this script prints
// "pictor: open the generation gate", so the job page is seen while the job
// runs.
//
// Environment: PICTOR_URL, PICTOR_USER, PICTOR_PASSWORD, PICTOR_CW_POST and
// PICTOR_GEN_POST (page paths of seeded posts), PICTOR_AUTHORIZE (an
// /oauth/authorize URL), PICTOR_REMOTE_POST and PICTOR_REMOTE_ACCT (a post
// id and a user@host on another server), PICTOR_SCREENSHOTS.

import { chromium } from "playwright-core";
import path from "node:path";

const env = (k) => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is not set`);
  return v;
};
const base = env("PICTOR_URL");
const shots = process.env.PICTOR_SCREENSHOTS || "";
const desktop = { width: 1280, height: 900 };
const phone = { width: 390, height: 844 };

function check(ok, msg) {
  if (!ok) throw new Error("check failed: " + msg);
  console.log("ok - " + msg);
}

// shot saves a JPEG (photos make PNG screenshots large); full takes the
// whole page instead of the viewport.
async function shot(page, name, full = false) {
  if (!shots) return;
  // Let lazy images load before the picture is taken.
  await page.evaluate(async () => {
    window.scrollTo(0, 0);
    for (const img of document.images) img.loading = "eager";
    await Promise.all([...document.images].map((i) => (i.complete ? null : new Promise((r) => { i.onload = i.onerror = r; }))));
    // Decoded and painted, not only fetched (the images decode asynchronously).
    await Promise.all([...document.images].map((i) => i.decode().catch(() => null)));
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  });
  await page.screenshot({ path: path.join(shots, name + ".jpg"), type: "jpeg", quality: 80, fullPage: full });
}

async function noHorizontalScroll(page, what) {
  const over = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(over <= 0, `${what}: no horizontal scrolling (overflow ${over}px)`);
}

// cardsPerRow counts the gallery cards on the first row.
async function cardsPerRow(page) {
  return page.evaluate(() => {
    const cards = [...document.querySelectorAll(".grid .card")];
    if (cards.length === 0) return 0;
    const top = cards[0].getBoundingClientRect().top;
    return cards.filter((c) => Math.abs(c.getBoundingClientRect().top - top) < 2).length;
  });
}

async function signIn(page) {
  await page.goto(base + "/signin");
  await shot(page, "signin-desktop");
  await page.fill('input[name="username"]', env("PICTOR_USER"));
  await page.fill('input[name="password"]', env("PICTOR_PASSWORD"));
  await Promise.all([page.waitForURL(base + "/"), page.click('button[type="submit"]')]);
  check(await page.locator(".links .me").isVisible(), "signed in: the bar shows the account");
}

const prompt = "a red kite over a windy beach, paper collage";
const alt = "AI-generated image (builtin pictor-abstract-1). Prompt: " + prompt;

// generate submits the prompt, watches the job page poll its progress while
// the (held) job runs, releases the job and waits for the script to show
// the result; it returns the job page URL.
async function generate(page) {
  await page.goto(base + "/compose");
  await page.fill('textarea[name="prompt"]', prompt);
  check((await page.locator(".quota").textContent()).includes("images left today"), "compose shows the quota left");
  await shot(page, "compose-desktop");
  const firstPoll = page.waitForRequest(/\/compose\/jobs\/[A-Za-z0-9-]+\.json$/);
  await Promise.all([page.waitForURL(/\/compose\/jobs\/[A-Za-z0-9-]+$/), page.click('form[action="/compose/generate"] button[type="submit"]')]);
  const jobURL = page.url();
  check(await page.locator("[data-job] progress").isVisible(), "the job page shows a progress bar while the job runs");
  check(/queued|running/.test(await page.locator("[data-stage]").textContent()), "the job page shows the job's state");
  await firstPoll;
  check(true, "the job page polls its progress while the job runs");
  await shot(page, "generate-progress-desktop");
  // The poll in flight when the job is released answers "done"; the script
  // then reloads the page (its body is gone by the time it could be read).
  const answered = page.waitForResponse((r) => r.url().endsWith(".json") && r.status() === 200);
  const reloaded = page.waitForEvent("load", { timeout: 120000 }); // the image is drawn under the race detector
  console.log("pictor: open the generation gate");
  await answered;
  await reloaded;
  check(page.url() === jobURL, "the script reloads the job page when the job is done");
  return jobURL;
}

// pickAndPost reviews the generated image and posts it with a content
// warning; it returns the post's URL.
async function pickAndPost(page) {
  const pick = page.locator('input[name="media"]');
  check((await pick.count()) === 1, "the finished job offers its image to pick");
  await pick.first().check();
  const thumb = page.locator(".picks img").first();
  await thumb.waitFor();
  check(await thumb.evaluate((i) => i.complete && i.naturalWidth > 0), "the generated image loads");
  check((await page.locator('.picks textarea').first().inputValue()) === alt, "the alt text is prefilled from backend, model and prompt");
  check((await page.locator("form code").textContent()).includes("#AIGenerated"), "the AI label line is shown before posting");
  await page.fill('input[name="cw"]', "bright colours");
  await page.fill('textarea[name="text"]', "My first kite, made on Pictor");
  await shot(page, "generate-pick-desktop", true);
  await Promise.all([page.waitForURL(/\/@[a-z]+\/[0-9]+$/), page.click('form[action$="/post"] button[type="submit"]')]);
  return page.url();
}

async function findInExploreAndProfile(page, postURL) {
  const postPath = new URL(postURL).pathname;
  await page.goto(base + "/");
  const card = page.locator(".card", { has: page.locator(`a.shot[href="${postURL}"], a.shot[href="${postPath}"]`) });
  check((await card.count()) === 1, "the new post is in Explore");
  check((await card.locator(".prompt").textContent()) === prompt, "its Explore card shows the prompt");
  check((await card.locator(".chip").textContent()) === "pictor-abstract-1", "its Explore card shows the model");
  check((await card.locator(".cw-badge").textContent()).endsWith("bright colours"), "its Explore card shows the content warning");
  check(!(await card.locator(".prompt").isVisible()), "its Explore card hides the prompt behind the warning");
  await card.locator("summary").click();
  check(await card.locator(".prompt").isVisible(), "a click on the card's warning shows the prompt");
  await shot(page, "explore-desktop");
  check((await cardsPerRow(page)) >= 4, "desktop: at least four cards per row");
  await page.goto(base + "/@" + env("PICTOR_USER"));
  check((await page.locator(`.card a.shot[href="${postURL}"], .card a.shot[href="${postPath}"]`).count()) === 1, "the new post is on the profile");
  check((await page.locator("#handle").inputValue()).startsWith("@" + env("PICTOR_USER") + "@"), "the follow hint shows the handle");
  await shot(page, "profile-desktop");
}

// openPost opens the new post from the profile, checks the content warning,
// the AI label, prompt, model and original file, and remixes it.
async function openPost(page, postURL) {
  await Promise.all([page.waitForURL(postURL), page.click(`.card a.shot[href="${new URL(postURL).pathname}"], .card a.shot[href="${postURL}"]`)]);
  const img = page.locator(".cw img.img").first();
  const text = page.locator("article.post .content", { hasText: "My first kite" });
  check(!(await img.isVisible()), "the image behind the content warning is hidden");
  check(!(await text.isVisible()), "the text behind the content warning is hidden");
  check((await page.locator(".cw-media > summary").textContent()).includes("bright colours"), "the content warning is shown");
  check((await page.locator("article.post summary", { hasText: "bright colours" }).count()) === 1,
    "the content warning is shown once");
  check(!(await page.locator(".prompt-full").isVisible()), "the prompt waits behind the warning too");
  await shot(page, "post-cw-closed-desktop");
  await page.click(".cw-media > summary");
  check(await img.isVisible(), "opening the content warning shows the image");
  check(await text.isVisible(), "the same click shows the text");
  check(await img.evaluate((i) => i.complete && i.naturalWidth === 1024), "the image is shown at full size");
  check((await page.locator("figcaption").first().textContent()).includes(alt), "the alt text is shown");
  check(await page.locator(".gen .chip.ai").isVisible(), "the post carries the AI label");
  await page.click(".gen details.cw > summary");
  check((await page.locator(".prompt-full").textContent()) === `“${prompt}”`, "the post shows the prompt once opened");
  check((await page.locator(".gen dd").first().textContent()) === "pictor-abstract-1", "the post shows the model");
  const orig = page.locator(".gen a", { hasText: "provider's file" });
  const res = await page.request.get(new URL(await orig.getAttribute("href"), base).href);
  check(res.ok() && res.headers()["content-type"] === "image/png", "the original file link serves the provider's PNG");
  await Promise.all([page.waitForURL(/\/compose\?/), page.click("text=Remix this prompt")]);
  check((await page.locator('textarea[name="prompt"]').inputValue()) === prompt, "Remix opens compose with the prompt");
  await page.goto(base + env("PICTOR_GEN_POST"));
  await shot(page, "post-desktop");
}

// likeAndReply likes the seeded generated post from its page and replies
// to it, without waiting on any script: plain forms and redirects.
async function likeAndReply(page) {
  const postURL = base + env("PICTOR_GEN_POST");
  await page.goto(postURL);
  const like = page.locator('.post-actions form[action$="/favourite"] button');
  check((await like.textContent()).includes("Like"), "a signed-in visitor sees a Like button");
  await Promise.all([page.waitForURL(postURL + "#actions"), like.click()]);
  const liked = page.locator('.post-actions form[action$="/unfavourite"] button');
  check((await liked.getAttribute("aria-pressed")) === "true" && (await liked.textContent()).includes("Liked"),
    "after a click the button shows the like");
  check((await page.locator(".stats li").first().textContent()).replace(/\s+/g, " ").trim() === "1 like", "the like is counted");
  const reply = "What a calm little lighthouse.";
  await page.fill("#reply-text", "@" + env("PICTOR_USER") + " " + reply);
  await Promise.all([page.waitForURL(/#r[0-9]+$/), page.click('#reply button[type="submit"]')]);
  const anchor = new URL(page.url()).hash;
  check((await page.locator(".replies " + anchor).textContent()).includes(reply), "a reply from the post page shows up in its thread");
  await shot(page, "post-liked-reply-desktop", true);
}

// remoteInteraction acts on another server's post and account the way a
// visitor arrives from that server's "interact" and "follow" buttons.
async function remoteInteraction(page) {
  const postPage = base + "/authorize_interaction?uri=" + encodeURIComponent(env("PICTOR_REMOTE_POST"));
  await page.goto(postPage);
  check((await page.locator("article.post .handle").first().textContent()) === "@" + env("PICTOR_REMOTE_ACCT"),
    "/authorize_interaction shows a remote post with its author");
  check(await page.locator("article.post img.img").first().evaluate((i) => i.complete && i.naturalWidth > 0),
    "the remote post's image loads");
  await Promise.all([page.waitForURL(/#actions$/), page.click('.post-actions form[action$="/favourite"] button')]);
  check((await page.locator('.post-actions form[action$="/unfavourite"] button').getAttribute("aria-pressed")) === "true",
    "a remote post is liked from /authorize_interaction");
  await shot(page, "authorize-post-desktop");
  await page.goto(base + "/authorize_interaction?acct=" + encodeURIComponent(env("PICTOR_REMOTE_ACCT")));
  await Promise.all([page.waitForURL(/#follow$/), page.click('#follow form[action$="/follow"] button')]);
  check(await page.locator('#follow form[action$="/unfollow"] button').isVisible(),
    "a remote account is followed from /authorize_interaction");
  await shot(page, "authorize-follow-desktop");
}

async function seededContentWarning(page) {
  await page.goto(base + env("PICTOR_CW_POST"));
  const img = page.locator(".cw img.img").first();
  check(!(await img.isVisible()), "a seeded post's content warning hides its image");
  await page.click(".cw-media > summary");
  check(await img.isVisible(), "a click opens it");
}

async function consent(page) {
  await page.goto(env("PICTOR_AUTHORIZE"));
  check(await page.locator('button[value="approve"]').isVisible(), "the consent page offers Authorize");
  await shot(page, "consent-desktop");
}

async function admin(page) {
  await page.goto(base + "/admin");
  check(await page.locator("#blocks").isVisible(), "the admin page shows domain blocks");
  await shot(page, "admin-desktop");
}

// settings changes the display name on /settings/profile, sees it on the
// profile page, then puts the old name back for the later screenshots.
async function settings(page) {
  const saveName = async (name) => {
    await page.goto(base + "/settings/profile");
    await page.fill('#profile-form input[name="display_name"]', name);
    await Promise.all([page.waitForURL(/\/settings\/profile\?done=profile$/), page.click('#profile-form button[type="submit"]')]);
  };
  await page.goto(base + "/settings/profile");
  const old = await page.inputValue('#profile-form input[name="display_name"]');
  await shot(page, "settings-profile-desktop", true);
  await saveName("Alice P. Liddell");
  check(await page.locator(".notice").isVisible(), "settings: the profile form saves");
  await page.goto(base + "/@" + env("PICTOR_USER"));
  check((await page.locator(".who-big h1").textContent()).includes("Alice P. Liddell"),
    "settings: the new display name shows on the profile");
  await saveName(old);
  await page.goto(base + "/settings/apps");
  check(await page.locator('.tabs a[aria-current="page"]').textContent() === "Apps", "settings: the apps page opens");
  await shot(page, "settings-apps-desktop");
  await page.goto(base + "/settings/password");
  check(await page.locator('input[name="confirm_password"]').isVisible(), "settings: the password form asks for a confirmation");
  await shot(page, "settings-password-desktop");
}

async function notFound(page) {
  const res = await page.goto(base + "/no/such/page");
  check(res.status() === 404 && (await page.locator("h1").textContent()) === "Not Found", "an unknown URL shows the 404 page");
  await shot(page, "notfound-desktop");
}

async function signOut(page) {
  await page.goto(base + "/");
  await Promise.all([page.waitForURL(base + "/"), page.click("text=Sign out")]);
  check(await page.locator('.links a[href="/signin"]').isVisible(), "signed out");
}

async function phoneLayout(browser, postURL) {
  const ctx = await browser.newContext({ ignoreHTTPSErrors: true, viewport: phone, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
  const page = await ctx.newPage();
  await page.goto(base + "/");
  check((await cardsPerRow(page)) === 2, "phone: two cards per row");
  await noHorizontalScroll(page, "phone Explore");
  await shot(page, "explore-phone");
  await page.goto(postURL);
  check(await page.locator('#interact form[action="/remote_interaction"]').isVisible(),
    "anonymous visitors can interact from their own server");
  await noHorizontalScroll(page, "phone post page");
  await shot(page, "post-phone");
  await page.goto(base + "/@" + env("PICTOR_USER"));
  await noHorizontalScroll(page, "phone profile");
  await shot(page, "profile-phone");
  await ctx.close();
}

async function darkTheme(browser, postURL) {
  const ctx = await browser.newContext({ ignoreHTTPSErrors: true, viewport: desktop, colorScheme: "dark" });
  const page = await ctx.newPage();
  await page.goto(base + "/");
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  const [r, g, b] = bg.match(/\d+/g).map(Number);
  check(r + g + b < 120, `dark system setting gives a dark page (${bg})`);
  await shot(page, "explore-dark-desktop");
  await page.goto(postURL);
  await shot(page, "post-dark-desktop");
  await ctx.close();
}

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run"],
});
try {
  const ctx = await browser.newContext({ ignoreHTTPSErrors: true, viewport: desktop });
  const page = await ctx.newPage();
  page.setDefaultTimeout(15000);
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  // The 404 page's own status is logged as a console error; nothing else may be.
  page.on("console", (m) => { if (m.type() === "error" && !m.location().url.endsWith("/no/such/page")) errors.push(m.text()); });
  await signIn(page);
  await generate(page);
  const postURL = await pickAndPost(page);
  await findInExploreAndProfile(page, postURL);
  await openPost(page, postURL);
  await likeAndReply(page);
  await remoteInteraction(page);
  await seededContentWarning(page);
  await consent(page);
  await admin(page);
  await settings(page);
  await notFound(page);
  await signOut(page);
  await ctx.close();
  await phoneLayout(browser, base + env("PICTOR_GEN_POST"));
  await darkTheme(browser, base + env("PICTOR_GEN_POST"));
  check(errors.length === 0, "no script or console errors: " + errors.join("; "));
} finally {
  await browser.close();
}

// SPDX-License-Identifier: AGPL-3.0-or-later
// Drives Pictor's web pages in Debian's headless Chromium through
// playwright-core, as e2e/web_test.go asks: sign in, post an image, find it
// in Explore and on the profile, remix a generated post, open a content
// warning, authorize an app, check the admin page, sign out, and check the
// layout on a phone-sized and a desktop viewport. Screenshots go to
// $PICTOR_SCREENSHOTS when it is set.
//
// Environment: PICTOR_URL, PICTOR_USER, PICTOR_PASSWORD, PICTOR_IMAGE (a PNG
// to upload), PICTOR_CW_POST and PICTOR_GEN_POST (page paths of seeded
// posts), PICTOR_AUTHORIZE (an /oauth/authorize URL), PICTOR_SCREENSHOTS.

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

async function shot(page, name) {
  if (!shots) return;
  // Let lazy images load before the picture is taken.
  await page.evaluate(async () => {
    window.scrollTo(0, 0);
    for (const img of document.images) img.loading = "eager";
    await Promise.all([...document.images].map((i) => (i.complete ? null : new Promise((r) => { i.onload = i.onerror = r; }))));
  });
  await page.screenshot({ path: path.join(shots, name + ".png"), fullPage: false });
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

async function uploadAndPost(page) {
  await page.goto(base + "/compose");
  await page.setInputFiles('input[name="image"]', env("PICTOR_IMAGE"));
  await page.fill('textarea[name="alt"]', "A browser-test gradient in teal and orange");
  await page.fill('textarea[name="text"]', "Posted from a headless browser");
  await shot(page, "compose-desktop");
  await Promise.all([page.waitForURL(/\/@[a-z]+\/[0-9]+$/), page.click('form[action="/compose"] button[type="submit"]')]);
  const img = page.locator('.images img.img[alt="A browser-test gradient in teal and orange"]');
  await img.waitFor();
  check(await img.evaluate((i) => i.complete && i.naturalWidth > 0), "the posted image loads at full size");
  check((await page.locator("figcaption").first().textContent()).includes("browser-test gradient"), "alt text is shown");
  return page.url();
}

async function findInExploreAndProfile(page, postURL) {
  const postPath = new URL(postURL).pathname;
  await page.goto(base + "/");
  const card = page.locator(`.card a.shot[href="${postURL}"], .card a.shot[href="${postPath}"]`);
  check((await card.count()) === 1, "the new post is in Explore");
  await shot(page, "explore-desktop");
  check((await cardsPerRow(page)) >= 4, "desktop: at least four cards per row");
  await page.goto(base + "/@" + env("PICTOR_USER"));
  check((await page.locator(`.card a.shot[href="${postURL}"]`).count()) === 1, "the new post is on the profile");
  check((await page.locator("#handle").inputValue()).startsWith("@" + env("PICTOR_USER") + "@"), "the follow hint shows the handle");
  await shot(page, "profile-desktop");
}

async function remix(page) {
  await page.goto(base + env("PICTOR_GEN_POST"));
  const prompt = (await page.locator(".prompt-full").textContent()).replace(/[“”]/g, "");
  await shot(page, "post-desktop");
  await page.click("text=Remix this prompt");
  await page.waitForURL(/\/compose\?/);
  const value = await page.locator('textarea[name="prompt"], textarea').first().inputValue().catch(() => "");
  const url = decodeURIComponent(page.url().replace(/\+/g, " "));
  check(url.includes(prompt) || value === prompt, "Remix opens compose with the prompt");
}

async function contentWarning(page) {
  await page.goto(base + env("PICTOR_CW_POST"));
  const img = page.locator(".cw img.img").first();
  check(!(await img.isVisible()), "the image behind the content warning is hidden");
  await shot(page, "post-cw-closed-desktop");
  await page.click(".cw > summary");
  check(await img.isVisible(), "opening the content warning shows the image");
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
  await noHorizontalScroll(page, "phone post page");
  await shot(page, "post-phone");
  await page.goto(base + "/@" + env("PICTOR_USER"));
  await noHorizontalScroll(page, "phone profile");
  await shot(page, "profile-phone");
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
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  await signIn(page);
  const postURL = await uploadAndPost(page);
  await findInExploreAndProfile(page, postURL);
  await remix(page);
  await contentWarning(page);
  await consent(page);
  await admin(page);
  await signOut(page);
  await ctx.close();
  await phoneLayout(browser, postURL);
  check(errors.length === 0, "no script or console errors: " + errors.join("; "));
} finally {
  await browser.close();
}

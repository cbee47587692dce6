// SPDX-License-Identifier: AGPL-3.0-or-later
// Remixes a post from its page in headless Chromium, as e2e/web_remix_test.go
// asks (issue 12): sign in, open another user's generated post, press Remix,
// keep its image, paint a mask over part of it and change the prompt, generate, post the result, and walk
// the lineage both ways (the remix's "Remix of" link, the source's
// "Remixed 1 time" list).
//
// Environment: PICTOR_URL, PICTOR_USER, PICTOR_PASSWORD, PICTOR_SOURCE_POST
// (the page path of the post to remix), PICTOR_SOURCE_PROMPT.

import { chromium } from "playwright-core";

const env = (k) => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is not set`);
  return v;
};
const base = env("PICTOR_URL");

function check(ok, msg) {
  if (!ok) throw new Error("check failed: " + msg);
  console.log("ok - " + msg);
}

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
});
try {
  const page = await (await browser.newContext({ ignoreHTTPSErrors: true })).newPage();
  await page.goto(base + "/signin");
  await page.fill('input[name="username"]', env("PICTOR_USER"));
  await page.fill('input[name="password"]', env("PICTOR_PASSWORD"));
  await Promise.all([page.waitForURL(base + "/"), page.click('button[type="submit"]')]);

  const source = base + env("PICTOR_SOURCE_POST");
  await page.goto(source);
  await Promise.all([page.waitForURL(/\/compose\?/), page.click("text=Remix this prompt")]);
  check((await page.locator('textarea[name="prompt"]').inputValue()) === env("PICTOR_SOURCE_PROMPT"), "Remix opens compose with the prompt");
  check(await page.locator(".remix-source img").evaluate((i) => i.complete && i.naturalWidth > 0), "compose shows the image being remixed");
  check(await page.locator('input[name="use_image"]').isChecked(), "starting from the image is the default");
  const canvas = page.locator(".mask-editor canvas");
  check(await canvas.isVisible(), "compose offers a mask to paint on the image");
  await canvas.scrollIntoViewIfNeeded();
  const box = await canvas.boundingBox();
  await page.mouse.move(box.x + box.width * 0.2, box.y + box.height * 0.2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.6, box.y + box.height * 0.5, { steps: 8 });
  await page.mouse.up();
  const prompt = "the same lighthouse in a thunderstorm at night";
  await page.fill('textarea[name="prompt"]', prompt);
  const sent = page.waitForRequest((r) => r.url().endsWith("/compose/generate") && r.method() === "POST");
  await Promise.all([page.waitForURL(/\/compose\/jobs\/[A-Za-z0-9-]+$/), page.click('form[action="/compose/generate"] button[type="submit"]')]);
  const body = (await sent).postData() || "";
  check(new URLSearchParams(body).get("mask").startsWith("data:image/png;base64,"), "the painted mask is sent as a PNG");
  const pick = page.locator('input[name="media"]').first();
  await pick.waitFor({ timeout: 120000 }); // the job page reloads itself when the remix is ready
  await pick.check();
  await Promise.all([page.waitForURL(/\/@[a-z]+\/[0-9]+$/), page.click('form[action$="/post"] button[type="submit"]')]);
  const remixURL = page.url();
  check((await page.locator(".prompt-full").first().textContent()).includes(prompt), "the remix is posted with the changed prompt");
  const of = page.locator(".remix-of a");
  check((await of.textContent()).startsWith("@alice@"), "the remix's page names its source");
  check((await page.locator("article.post .content").first().textContent()).includes("Remix of @alice@"), "the remix's text carries the plain-text lineage");
  await Promise.all([page.waitForURL(source), of.click()]);
  check((await page.locator(".remixes .eyebrow").textContent()).trim() === "Remixed 1 time", "the source's page counts the remix");
  await Promise.all([page.waitForURL(remixURL), page.locator(".remix-list a").first().click()]);
  check(true, "the chain can be walked back to the remix");
} finally {
  await browser.close();
}

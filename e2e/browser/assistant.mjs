// SPDX-License-Identifier: AGPL-3.0-or-later
// The assistant in Pictor's web pages, in Debian's headless Chromium through
// playwright-core, as e2e/assistant_test.go asks: bob turns reply
// suggestions on in the settings, opens alice's post, sees the suggested
// replies as chips, clicks one and finds it in the reply box (nothing is
// posted until he sends it); then he picks an image on the compose page,
// asks for a suggested description, edits it and posts.
//
// Environment: PICTOR_URL, PICTOR_USER, PICTOR_PASSWORD, PICTOR_POST (a page
// path of alice's), PNG_FILE.

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
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run"],
});
try {
  const ctx = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  page.setDefaultTimeout(15000);
  const posted = [];
  page.on("request", (r) => {
    if (r.method() === "POST") posted.push(new URL(r.url()).pathname);
  });

  await page.goto(base + "/signin");
  await page.fill('input[name="username"]', env("PICTOR_USER"));
  await page.fill('input[name="password"]', env("PICTOR_PASSWORD"));
  await Promise.all([page.waitForURL(base + "/"), page.click('button[type="submit"]')]);

  const post = base + env("PICTOR_POST");
  await page.goto(post);
  check(await page.locator("[data-suggestions]").count() === 0, "no suggestions before opting in");

  await page.goto(base + "/settings/assistant");
  await page.check('input[name="reply_suggestions"]');
  await Promise.all([page.waitForURL(/done=assistant/), page.click('form[action="/settings/assistant"] button[type="submit"]')]);
  check(await page.isChecked('input[name="reply_suggestions"]'), "settings: reply suggestions on");

  await page.goto(post);
  const chips = page.locator(".suggestions button.suggestion");
  await chips.first().waitFor();
  const texts = await chips.allTextContents();
  check(texts.length === 3, `three suggestion chips: ${JSON.stringify(texts)}`);
  const before = await page.inputValue("#reply-text");
  posted.length = 0;
  await chips.nth(1).click();
  const after = await page.inputValue("#reply-text");
  check(after === before + texts[1], `clicking a chip fills the reply box: ${JSON.stringify(after)}`);
  check(await page.evaluate(() => document.activeElement && document.activeElement.id === "reply-text"), "the reply box has focus");
  check(posted.length === 0 && page.url() === post, "nothing was posted by the click");
  const replies = await page.locator(".replies .reply").count();
  check(replies === 0, "no reply appeared in the thread");

  await page.goto(base + "/compose");
  await page.setInputFiles("#upload-image", env("PNG_FILE"));
  const describe = page.locator("button[data-describe-upload]");
  check(await describe.isVisible(), "compose: a Suggest description button");
  await describe.click();
  await page.waitForFunction(() => document.querySelector("#upload-alt").value.length > 0);
  const alt = await page.inputValue("#upload-alt");
  check(alt.includes("pond"), `the alt text box holds the suggestion: ${JSON.stringify(alt)}`);
  check((await page.inputValue('input[name="media_id"]')) !== "", "the described upload is kept as media_id");
  await page.fill("#upload-alt", alt + " (edited)");
  await page.fill('textarea[name="text"]', "described by the assistant");
  await Promise.all([page.waitForURL(/\/@bob\/\d+$/), page.click('form[action="/compose"] button[type="submit"]')]);
  check((await page.locator(`img[alt="${alt} (edited)"]`).count()) > 0, "the post shows the edited description");
} finally {
  await browser.close();
}

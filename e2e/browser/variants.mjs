// SPDX-License-Identifier: AGPL-3.0-or-later
// Variants in Debian's headless Chromium through playwright-core, as
// e2e/variants_test.go asks (issue 12): sign in, ask the compose page for
// four images, wait for the job page's grid of four, pick two of them by
// keyboard (unpicking the preselected first), give each its own alt text,
// post, and find both images with those alt texts and the AI label on the
// post page. axe-core checks the grid page (WCAG 2.2 A/AA).
//
// Environment: PICTOR_URL, PICTOR_USER, PICTOR_PASSWORD, PICTOR_SCREENSHOTS.

import { chromium } from "playwright-core";
import fs from "node:fs";
import path from "node:path";

const env = (k) => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is not set`);
  return v;
};
const base = env("PICTOR_URL");
const shots = process.env.PICTOR_SCREENSHOTS || "";

function check(ok, msg) {
  if (!ok) throw new Error("check failed: " + msg);
  console.log("ok - " + msg);
}

async function axe(page) {
  await page.evaluate(fs.readFileSync("node_modules/axe-core/axe.min.js", "utf8"));
  const res = await page.evaluate(() => window.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21aa", "wcag22aa"] } }));
  const found = res.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join("; ")}`);
  check(found.length === 0, `axe finds nothing on the grid page ${JSON.stringify(found)}`);
}

const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ignoreHTTPSErrors: true });
  const page = await context.newPage();
  await page.goto(base + "/signin");
  await page.fill('input[name="username"]', env("PICTOR_USER"));
  await page.fill('input[name="password"]', env("PICTOR_PASSWORD"));
  await Promise.all([page.waitForURL(base + "/"), page.click('button[type="submit"]')]);

  await page.goto(base + "/compose");
  await page.fill('textarea[name="prompt"]', "four paper boats on a pond");
  await page.selectOption('select[name="n"]', "4");
  await Promise.all([page.waitForURL(/\/compose\/jobs\/[A-Za-z0-9-]+$/), page.click('form[action="/compose/generate"] button[type="submit"]')]);
  // The page polls and reloads itself when the four images are ready.
  const boxes = page.locator('.picks input[type="checkbox"][name="media"]');
  await boxes.nth(3).waitFor({ timeout: 120000 });
  check((await boxes.count()) === 4, "the job page shows four candidates to pick from");
  check((await page.locator(".picks textarea").count()) === 4, "each candidate has its own alt-text field");
  check(await boxes.nth(0).isChecked(), "the first candidate is preselected");
  for (let i = 0; i < 4; i++) {
    const img = page.locator(".picks img").nth(i);
    await img.waitFor();
    check(await img.evaluate((el) => el.complete && el.naturalWidth > 0), `candidate ${i + 1} loads`);
  }
  const srcs = await page.locator(".picks img").evaluateAll((els) => els.map((e) => e.getAttribute("src")));
  check(new Set(srcs).size === 4, "the four candidates are four different images");
  await axe(page);
  if (shots) await page.screenshot({ path: path.join(shots, "variants-pick-desktop.jpg"), type: "jpeg", quality: 80, fullPage: true });

  // By keyboard: unpick the first, pick the second and the fourth.
  const ids = await boxes.evaluateAll((els) => els.map((e) => e.value));
  for (const i of [0, 1, 3]) {
    await boxes.nth(i).focus();
    await page.keyboard.press("Space");
  }
  check(!(await boxes.nth(0).isChecked()) && (await boxes.nth(1).isChecked()) && !(await boxes.nth(2).isChecked()) &&
    (await boxes.nth(3).isChecked()), "keyboard: Space picks the second and fourth and unpicks the first");
  await page.fill(`textarea[name="alt-${ids[1]}"]`, "A paper boat, the second one");
  await page.fill(`textarea[name="alt-${ids[3]}"]`, "A paper boat, the fourth one");
  await page.fill('textarea[name="text"]', "Two of four boats");
  await Promise.all([page.waitForURL(/\/@[a-z]+\/[0-9]+$/), page.click('form[action$="/post"] button[type="submit"]')]);
  check((await page.locator('img[alt="A paper boat, the second one"]').count()) >= 1, "the post shows the second image with its alt text");
  check((await page.locator('img[alt="A paper boat, the fourth one"]').count()) >= 1, "the post shows the fourth image with its alt text");
  check((await page.content()).includes("AIGenerated"), "the post carries the AI label");
  const postURL = page.url();
  console.log("pictor: posted " + postURL);
} finally {
  await browser.close();
}

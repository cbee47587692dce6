// SPDX-License-Identifier: AGPL-3.0-or-later
// Pictor's web pages against WCAG 2.2 A/AA and axe-core's best practices, in
// Debian's headless Chromium through playwright-core, as
// e2e/web_a11y_test.go asks (issue 13):
//
//   - axe-core runs on every kind of page (Explore's tabs, a profile, posts
//     with and without a content warning and with replies, sign-in, consent,
//     compose, a running and a finished job, settings, admin, 404), in the
//     light and the dark scheme, at 390 and 1280 pixels; any violation fails,
//     printed with its rule, impact and the offending selectors;
//   - the keyboard: Tab through each page from the top (a skip link first,
//     every focused element with a focus ring that no ancestor clips and the
//     sticky header does not cover), and backwards at phone width; the
//     compose → generate → pick → post flow by keyboard alone, with the job's
//     progress in a polite live region and focus on the result.
//
// The Go test holds the generation until this script prints
// "pictor: open the generation gate".
//
// Environment: PICTOR_URL, PICTOR_USER, PICTOR_PASSWORD, PICTOR_GEN_POST and
// PICTOR_CW_POST (page paths), PICTOR_AUTHORIZE (an /oauth/authorize URL),
// PICTOR_SCREENSHOTS (a folder for the dark-scheme screenshots, or empty).

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
const axeSource = fs.readFileSync("node_modules/axe-core/axe.min.js", "utf8");
const viewports = { desktop: { width: 1280, height: 900 }, phone: { width: 390, height: 844 } };
const schemes = ["light", "dark"];
const phoneShots = new Set(["explore", "profile", "post-replies", "job-done"]);
const tags = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"];

function check(ok, msg) {
  if (!ok) throw new Error("check failed: " + msg);
  console.log("ok - " + msg);
}

const failures = [];
function fail(msg) {
  failures.push(msg);
  console.log("not ok - " + msg);
}

// axe runs axe-core on the page as it is, in each scheme and width.
async function axe(page, name) {
  if (!(await page.evaluate(() => typeof window.axe === "object"))) await page.evaluate(axeSource);
  for (const [vname, vp] of Object.entries(viewports)) {
    await page.setViewportSize(vp);
    for (const scheme of schemes) {
      await page.emulateMedia({ colorScheme: scheme });
      const res = await page.evaluate((tags) => window.axe.run(document, { runOnly: { type: "tag", values: tags } }), tags);
      for (const v of res.violations) {
        const related = (n) => [...(n.any || []), ...(n.all || []), ...(n.none || [])]
          .flatMap((c) => c.relatedNodes || []).map((r) => r.target.join(" "));
        const where = v.nodes.map((n) => n.target.join(" ") + (n.failureSummary ? ` [${n.failureSummary.replace(/\s+/g, " ")}]` : "") +
          (related(n).length ? ` (related: ${related(n).join(", ")})` : ""));
        fail(`axe ${name} (${scheme}, ${vname}): ${v.id} (${v.impact}): ${where.join("; ")}`);
      }
      if (scheme === "dark" && (vname === "desktop" || phoneShots.has(name))) await shot(page, `${name}-dark-${vname}`);
    }
  }
  await page.setViewportSize(viewports.desktop);
  await page.emulateMedia({ colorScheme: "light" });
}

async function shot(page, name) {
  if (!shots) return;
  await page.evaluate(async () => {
    window.scrollTo(0, 0);
    for (const img of document.images) img.loading = "eager";
    await Promise.all([...document.images].map((i) => (i.complete ? null : new Promise((r) => { i.onload = i.onerror = r; }))));
    await Promise.all([...document.images].map((i) => i.decode().catch(() => null)));
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  });
  await page.screenshot({ path: path.join(shots, name + ".jpg"), type: "jpeg", quality: 80 });
}

// focusReport describes the focused element: whether it shows a focus ring,
// which ancestors clip the ring, and what covers it.
function focusReport() {
  const el = document.activeElement;
  const describe = (e) => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") +
    (e.classList.length ? "." + [...e.classList].join(".") : "") +
    (e.getAttribute("href") ? `[href="${e.getAttribute("href")}"]` : "") + (e.name ? `[name="${e.name}"]` : "");
  if (!el || el === document.body || el === document.documentElement) return { body: true };
  const cs = getComputedStyle(el);
  const r = el.getBoundingClientRect();
  const w = parseFloat(cs.outlineWidth) || 0;
  const off = parseFloat(cs.outlineOffset) || 0;
  const out = { what: describe(el), skip: el.classList.contains("skip"), main: el.id === "main", problems: [] };
  if (cs.outlineStyle === "none" || w < 2) out.problems.push(`no focus ring (outline ${cs.outlineStyle} ${cs.outlineWidth})`);
  const ring = { l: r.left - off - w, t: r.top - off - w, r: r.right + off + w, b: r.bottom + off + w };
  for (let a = el.parentElement; a && a !== document.documentElement; a = a.parentElement) {
    const s = getComputedStyle(a);
    if (s.overflowX === "visible" && s.overflowY === "visible") continue;
    const ar = a.getBoundingClientRect();
    const box = { l: ar.left + parseFloat(s.borderLeftWidth), t: ar.top + parseFloat(s.borderTopWidth),
      r: ar.right - parseFloat(s.borderRightWidth), b: ar.bottom - parseFloat(s.borderBottomWidth) };
    const eps = 0.5;
    if (ring.l < box.l - eps || ring.t < box.t - eps || ring.r > box.r + eps || ring.b > box.b + eps) {
      out.problems.push(`focus ring clipped by ${describe(a)} (overflow ${s.overflowX}/${s.overflowY})`);
    }
  }
  // What is on top at a point of the element inside the viewport.
  const x = Math.min(Math.max(r.left + Math.min(r.width / 2, 12), 1), innerWidth - 1);
  const y = Math.min(Math.max(r.top + Math.min(r.height / 2, 12), 1), innerHeight - 1);
  const hit = document.elementFromPoint(x, y);
  if (hit && hit !== el && !el.contains(hit) && !hit.contains(el) && !(el.labels && [...el.labels].some((l) => l.contains(hit)))) {
    out.problems.push(`covered by ${describe(hit)}`);
  }
  return out;
}

// tabThrough presses Tab (or Shift+Tab) through the page from its start
// (or end) and checks each focused element.
async function tabThrough(page, name, backward) {
  const key = backward ? "Shift+Tab" : "Tab";
  const seen = [];
  for (let i = 0; i < 200; i++) {
    await page.keyboard.press(key);
    const f = await page.evaluate(focusReport);
    if (f.body) break;
    if (i > 0 && (f.skip ? !backward : false)) break; // wrapped around
    if (!backward && i === 0 && !f.skip && !(await page.evaluate(() => !!document.querySelector("[autofocus]")))) {
      fail(`keyboard ${name}: the first tab stop is ${f.what}, not the skip link`);
    }
    for (const p of f.problems) fail(`keyboard ${name}${backward ? " (backwards, phone)" : ""}: ${f.what}: ${p}`);
    seen.push(f.what);
    if (backward && f.skip) break;
  }
  return seen;
}

// visit opens a page and checks it with axe and the keyboard.
async function visit(page, name, url, expectStatus = 200) {
  const res = await page.goto(url);
  if (res.status() !== expectStatus) fail(`${name}: status ${res.status()}, want ${expectStatus}`);
  await keyboardPasses(page, name);
  const start = Date.now();
  await axe(page, name);
  console.log(`# ${name}: axe (${Date.now() - start} ms)`);
}

// keyboardPasses tabs forwards at desktop width to past the last stop, then
// backwards from there at phone width, where the sticky header is closest.
async function keyboardPasses(page, name) {
  const start = Date.now();
  const stops = await tabThrough(page, name, false);
  await page.setViewportSize(viewports.phone);
  await tabThrough(page, name, true);
  await page.setViewportSize(viewports.desktop);
  console.log(`# ${name}: ${stops.length} tab stops (${Date.now() - start} ms)`);
}

// tabTo presses Tab until the focused element matches selector.
async function tabTo(page, selector, what) {
  for (let i = 0; i < 60; i++) {
    await page.keyboard.press("Tab");
    if (await page.evaluate((s) => document.activeElement && document.activeElement.matches(s), selector)) return;
  }
  throw new Error("check failed: keyboard: no tab stop reaches " + what);
}

// composeByKeyboard does compose → generate → pick → post with the keyboard,
// checking the running and the finished job pages with axe on the way.
async function composeByKeyboard(page) {
  await page.goto(base + "/compose");
  await tabTo(page, 'textarea[name="prompt"]', "the prompt");
  await page.keyboard.type("a heron standing in a misty river, ink wash");
  await page.keyboard.press("Tab");
  check(await page.evaluate(() => document.activeElement.matches('select[name="n"]')),
    "keyboard: Tab goes from the prompt to the number of images");
  await page.keyboard.press("Tab");
  check(await page.evaluate(() => document.activeElement.matches('form[action="/compose/generate"] button[type="submit"]')),
    "keyboard: Tab goes from the prompt to Generate");
  await Promise.all([page.waitForURL(/\/compose\/jobs\/[A-Za-z0-9-]+$/), page.keyboard.press("Enter")]);
  const jobURL = page.url();
  const live = page.locator("[data-live]");
  check((await live.getAttribute("aria-live")) === "polite" && (await live.getAttribute("role")) === "status" &&
    /running|queued/.test(await live.textContent()),
    "keyboard: the running job's progress is in a polite live region");
  check((await page.title()).startsWith("Generating"), "the running job's title says Generating");
  await axe(page, "job-running");
  await tabThrough(page, "job-running", false);
  const announced = [];
  await page.exposeBinding("pictorLive", (_, text) => announced.push(text));
  await page.evaluate(() => {
    const el = document.querySelector("[data-live]");
    new MutationObserver(() => window.pictorLive(el.textContent)).observe(el, { childList: true, subtree: true, characterData: true });
  });
  const reloaded = page.waitForEvent("load", { timeout: 120000 }); // the image is drawn under the race detector
  console.log("pictor: open the generation gate");
  await reloaded;
  check(page.url() === jobURL, "the job page reloads when the job is done");
  check(announced.length > 0, `keyboard: the live region was updated (${JSON.stringify(announced)})`);
  await page.waitForFunction(() => document.activeElement && document.activeElement.name === "media");
  check(true, "keyboard: focus lands on the generated image");
  check((await page.title()).startsWith("Generated"), "the finished job's title no longer says Generating");
  await axe(page, "job-done");
  await page.focus('input[name="media"]'); // axe's viewport changes may move focus; put it back where the reload left it
  // The one image is picked already (a checkbox): Space unpicks it and picks it again.
  await page.keyboard.press("Space");
  const unpicked = await page.evaluate(() => !document.activeElement.checked);
  await page.keyboard.press("Space");
  check(unpicked && (await page.evaluate(() => document.activeElement.checked)), "keyboard: Space picks the image");
  await tabTo(page, 'input[name="cw"]', "the content warning field");
  await page.keyboard.type("misty");
  await tabTo(page, 'form[action$="/post"] button[type="submit"]', "Post");
  await Promise.all([page.waitForURL(/\/@[a-z]+\/[0-9]+$/), page.keyboard.press("Enter")]);
  check(await page.locator("details#cw summary").isVisible(), "keyboard: the post is published by keyboard");
  return page.url();
}

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run"],
});
try {
  const anonCtx = await browser.newContext({ ignoreHTTPSErrors: true, viewport: viewports.desktop });
  const anon = await anonCtx.newPage();
  anon.setDefaultTimeout(30000);
  // axe-core is loaded and sees a planted fault.
  await anon.goto(base + "/");
  await anon.evaluate(axeSource);
  const planted = await anon.evaluate(async (tags) => {
    const img = document.createElement("img");
    img.src = "/static/img/avatar.png";
    document.querySelector("main").append(img);
    return (await window.axe.run(document, { runOnly: { type: "tag", values: tags } })).violations.map((v) => v.id);
  }, tags);
  check(planted.includes("image-alt"), "axe-core finds a planted image without alt text");
  // The skip link moves focus to the content.
  await anon.goto(base + "/");
  await anon.keyboard.press("Tab");
  await anon.keyboard.press("Enter");
  await anon.keyboard.press("Tab");
  check(await anon.evaluate(() => document.querySelector("main").contains(document.activeElement)),
    "keyboard: the skip link leads into the content");
  for (const [name, p] of [["explore", "/"], ["explore-following", "/explore/following"], ["explore-popular", "/explore/popular"],
    ["profile", "/@" + env("PICTOR_USER")], ["post-replies", env("PICTOR_GEN_POST")], ["post-cw", env("PICTOR_CW_POST")],
    ["signin", "/signin"]]) {
    await visit(anon, name, base + p);
  }
  await visit(anon, "notfound", base + "/no/such/page", 404);
  await anonCtx.close();

  const ctx = await browser.newContext({ ignoreHTTPSErrors: true, viewport: viewports.desktop });
  const page = await ctx.newPage();
  page.setDefaultTimeout(30000);
  await page.goto(base + "/signin");
  await page.fill('input[name="username"]', env("PICTOR_USER"));
  await page.fill('input[name="password"]', env("PICTOR_PASSWORD"));
  await Promise.all([page.waitForURL(base + "/"), page.click('button[type="submit"]')]);
  await visit(page, "compose", base + "/compose");
  const postURL = await composeByKeyboard(page);
  await visit(page, "post-signed-in", postURL);
  await visit(page, "consent", env("PICTOR_AUTHORIZE"));
  for (const s of ["profile", "password", "apps", "delete"]) await visit(page, "settings-" + s, base + "/settings/" + s);
  await visit(page, "admin", base + "/admin");
  await ctx.close();
  check(failures.length === 0, `axe and keyboard: no problems (${failures.length} found)`);
  check(true, "axe: no violations on every page");
  check(true, "keyboard: every page starts with a skip link");
} finally {
  await browser.close();
}

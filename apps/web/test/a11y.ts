// Accessibility audits run inside the page: axe-core's WCAG 2.1 A/AA and best-practice rules, and a
// few checks of our own that axe leaves to people — the label in a control's name, interactive
// content inside role=img, a contrast pass over every text run — plus a keyboard walk. Each returns
// what it found wrong; the test expects none.
import axe from "axe-core";
import type { Page } from "playwright-core";

/**
 * axe-core's violations on the page, one line per rule and element: its WCAG 2.1 A/AA and
 * best-practice rules, or only the colour ones (`colours`: a theme switch changes nothing else).
 */
export async function axeAudit(p: Page, colours = false): Promise<string[]> {
  // Through the DevTools protocol, so the app's Content-Security-Policy (no inline scripts) holds.
  if (!(await p.evaluate(() => "axe" in window))) await p.evaluate(axe.source);
  const violations = await p.evaluate(async (onlyColours) => {
    const w = window as unknown as {
      axe: {
        run: (
          ctx: Document,
          opts: object,
        ) => Promise<{
          violations: Array<{ id: string; nodes: Array<{ target: unknown[]; failureSummary?: string }> }>;
        }>;
      };
    };
    const r = await w.axe.run(document, {
      runOnly: onlyColours
        ? { type: "rule", values: ["color-contrast", "link-in-text-block"] }
        : { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] },
      resultTypes: ["violations"],
    });
    return r.violations.flatMap((v) =>
      v.nodes.map(
        (n) =>
          `${v.id}: ${JSON.stringify(n.target)} ${(n.failureSummary ?? "").replace(/\s+/g, " ").slice(0, 160)}`,
      ),
    );
  }, colours);
  return violations;
}

export interface A11yReport {
  problems: string[];
  /** How many text elements had their contrast measured (so an empty page cannot pass unnoticed). */
  textChecked: number;
  controlsChecked: number;
}

/** Runs in the browser: keep it self-contained (no closures over test code). */
function audit(): A11yReport {
  const problems: string[] = [];
  const describe = (el: Element) => {
    const cls =
      typeof el.className === "string" && el.className ? `.${el.className.split(/\s+/).join(".")}` : "";
    const text = (el.textContent ?? "").trim().replace(/\s+/g, " ").slice(0, 40);
    return `<${el.tagName.toLowerCase()}${cls}>${text ? ` "${text}"` : ""}`;
  };
  const shown = (el: Element) => {
    const r = el.getBoundingClientRect();
    const s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== "hidden" && s.display !== "none";
  };
  const textOf = (id: string) => document.getElementById(id)?.textContent?.trim() ?? "";
  const nameOf = (el: Element): string => {
    const aria = el.getAttribute("aria-label")?.trim();
    if (aria) return aria;
    const by = el.getAttribute("aria-labelledby");
    if (by) return by.split(/\s+/).map(textOf).join(" ").trim();
    if (
      el instanceof HTMLInputElement ||
      el instanceof HTMLSelectElement ||
      el instanceof HTMLTextAreaElement
    ) {
      if (el instanceof HTMLInputElement && ["submit", "button", "reset"].includes(el.type)) return el.value;
      const labels = el.labels ? [...el.labels].map((l) => l.textContent?.trim() ?? "").join(" ") : "";
      return labels.trim() || el.title;
    }
    return (el.textContent ?? "").trim() || el.getAttribute("title") || "";
  };

  // Landmarks and headings.
  const mains = document.querySelectorAll("main, [role=main]");
  if (mains.length !== 1) problems.push(`${mains.length} main landmarks (want 1)`);
  for (const nav of document.querySelectorAll("nav, [role=navigation]"))
    if (!nav.getAttribute("aria-label") && !nav.getAttribute("aria-labelledby"))
      problems.push(`navigation without a name: ${describe(nav)}`);
  const h1s = [...document.querySelectorAll("h1")].filter(shown);
  if (h1s.length !== 1) problems.push(`${h1s.length} visible h1 (want 1)`);
  for (const h of document.querySelectorAll("h1, h2, h3, h4"))
    if (shown(h) && !(h.textContent ?? "").trim()) problems.push(`empty heading ${describe(h)}`);

  // Names of controls, links and fields.
  let controlsChecked = 0;
  const controls = document.querySelectorAll(
    "button, a[href], input:not([type=hidden]), select, textarea, [role=button], [tabindex]:not([tabindex='-1'])",
  );
  for (const el of controls) {
    if (!shown(el) && !(el instanceof HTMLInputElement && el.type === "checkbox")) continue;
    controlsChecked++;
    const accessible = nameOf(el);
    if (!accessible) problems.push(`no accessible name: ${describe(el)}`);
    // Label in name (WCAG 2.5.3): a control's own label contains the words it shows.
    const shownText = (el.textContent ?? "").trim().replace(/\s+/g, " ").toLowerCase();
    const labelled =
      el.matches("button, a[href], [role=button], [role=link]") && el.getAttribute("aria-label");
    if (labelled && shownText && !accessible.toLowerCase().includes(shownText))
      problems.push(`name "${accessible}" does not contain the visible "${shownText}": ${describe(el)}`);
  }
  for (const img of document.querySelectorAll("img"))
    if (!img.hasAttribute("alt")) problems.push(`image without alt: ${img.src}`);
  for (const box of document.querySelectorAll("[role=img]"))
    if (box.querySelector("a[href], button, input, select, textarea, [tabindex]"))
      problems.push(`interactive content inside role=img: ${describe(box)}`);

  // Duplicate ids (labels and aria references would point at the wrong one).
  const seen = new Map<string, number>();
  for (const el of document.querySelectorAll("[id]")) seen.set(el.id, (seen.get(el.id) ?? 0) + 1);
  for (const [id, n] of seen) if (n > 1) problems.push(`id "${id}" used ${n} times`);

  // Contrast of every visible text run against what is painted behind it.
  type Rgba = [number, number, number, number];
  const parse = (c: string): Rgba => {
    const n = c.match(/[\d.]+/g)?.map(Number) ?? [0, 0, 0, 0];
    return [n[0] ?? 0, n[1] ?? 0, n[2] ?? 0, c.startsWith("rgba") || c.includes("/") ? (n[3] ?? 1) : 1];
  };
  const over = (top: Rgba, under: Rgba): Rgba => {
    const a = top[3] + under[3] * (1 - top[3]);
    if (a === 0) return [0, 0, 0, 0];
    const mix = (i: 0 | 1 | 2) => (top[i] * top[3] + under[i] * under[3] * (1 - top[3])) / a;
    return [mix(0), mix(1), mix(2), a];
  };
  const lum = ([r, g, b]: Rgba) => {
    const f = (v: number) => {
      const s = v / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (el: Element): Rgba => {
    const layers: Rgba[] = [];
    for (let e: Element | null = el; e; e = e.parentElement)
      layers.push(parse(getComputedStyle(e).backgroundColor));
    let bg: Rgba = [255, 255, 255, 1];
    for (const layer of layers.reverse()) bg = over(layer, bg);
    return bg;
  };
  let textChecked = 0;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const done = new Set<Element>();
  for (let t = walker.nextNode(); t; t = walker.nextNode()) {
    const el = t.parentElement;
    if (!el || done.has(el) || !(t.textContent ?? "").trim()) continue;
    done.add(el);
    if (!shown(el) || el.closest("svg, .sr-only, option, [aria-hidden=true]")) continue;
    // Disabled controls are exempt from the contrast rule (WCAG 1.4.3).
    if (el.closest("button:disabled, fieldset:disabled, [aria-disabled=true]")) continue;
    const s = getComputedStyle(el);
    let opacity = 1;
    for (let e: Element | null = el; e; e = e.parentElement) opacity *= Number(getComputedStyle(e).opacity);
    const bg = background(el);
    const fgRaw = parse(s.color);
    const fg = over([fgRaw[0], fgRaw[1], fgRaw[2], fgRaw[3] * opacity], bg);
    const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a) as [number, number];
    const ratio = (hi + 0.05) / (lo + 0.05);
    const size = parseFloat(s.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(s.fontWeight) >= 700);
    textChecked++;
    if (ratio < (large ? 3 : 4.5)) problems.push(`contrast ${ratio.toFixed(2)}:1 ${describe(el)}`);
  }
  return { problems, textChecked, controlsChecked };
}

export async function auditPage(p: Page): Promise<A11yReport> {
  return p.evaluate(audit);
}

/**
 * Keyboard: the first Tab stop is the skip link and it moves focus to the main content; then each
 * Tab stop after it (up to `stops`, or the end of the page) is visible and shows a focus indicator
 * (outline or box shadow). Answers the problems and how many stops passed.
 */
export async function keyboardWalk(p: Page, stops = 20): Promise<{ problems: string[]; visited: number }> {
  await p.evaluate(() => {
    (document.activeElement as HTMLElement | null)?.blur();
    window.scrollTo(0, 0);
  });
  const problems: string[] = [];
  await p.keyboard.press("Tab");
  const first = await p.evaluate(() => document.activeElement?.textContent?.trim() ?? "");
  if (first !== "Skip to content") problems.push(`first Tab stop is "${first}", not the skip link`);
  await p.keyboard.press("Enter");
  const inMain = await p.evaluate(() => document.activeElement?.id === "main");
  if (!inMain) problems.push("the skip link does not move focus to the main content");
  let visited = 0;
  for (let n = 0; n < stops; n++) {
    await p.keyboard.press("Tab");
    const r = await p.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      // Past the last control focus leaves the page: the walk is over.
      if (!el || el === document.body) return { ok: false, end: true, what: "" };
      const s = getComputedStyle(el);
      const rect = el.getBoundingClientRect();
      const indicator =
        (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0) ||
        (s.boxShadow && s.boxShadow !== "none");
      const what = `<${el.tagName.toLowerCase()}> "${(el.getAttribute("aria-label") ?? el.textContent ?? "").trim().slice(0, 30)}"`;
      if (rect.width === 0 || rect.height === 0) return { ok: false, what: `invisible focus target ${what}` };
      if (!indicator) return { ok: false, what: `no focus indicator on ${what}` };
      return { ok: true, what };
    });
    if (r.ok) visited++;
    else if ("end" in r) break;
    else problems.push(r.what);
  }
  return { problems, visited };
}

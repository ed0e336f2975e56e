import assert from "node:assert/strict";
import { escapeHtml, html, jsonForScript, raw } from "./template.ts";

Deno.test("escapeHtml turns every markup character into an entity", () => {
  assert.equal(
    escapeHtml(`<a href="x" title='y'>&</a>`),
    "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;",
  );
});

Deno.test("html escapes interpolated text but keeps nested html and raw markup", () => {
  const inner = html`<b>${"<i>"}</b>`;
  const page = html`<p>${"<script>alert(1)</script>"}${inner}${raw("<br>")}${[1, "<", 2]}</p>`;
  assert.equal(page.text, "<p>&lt;script&gt;alert(1)&lt;/script&gt;<b>&lt;i&gt;</b><br>1&lt;2</p>");
});

Deno.test("html renders undefined, null and false as nothing and zero as 0", () => {
  assert.equal(html`${undefined}${null}${false}${0}`.text, "0");
});

Deno.test("jsonForScript cannot close a script element and still parses to the same value", () => {
  const value = { text: "</script><script>alert(1)</script> & \u2028" };
  const json = jsonForScript(value);
  assert.ok(!json.includes("<") && !json.includes(">") && !json.includes("\u2028"));
  assert.deepEqual(JSON.parse(json), value);
});

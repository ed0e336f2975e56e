import assert from "node:assert/strict";
import { paretoFront } from "./pareto.ts";

const points = [
  { x: 1, y: 0.30, name: "full" },
  { x: 1.2, y: 0.29, name: "a" },
  { x: 1.2, y: 0.25, name: "dominated by a" },
  { x: 1.5, y: 0.22, name: "b" },
  { x: 1.4, y: 0.20, name: "dominated by b" },
];

Deno.test("the Pareto front keeps the settings nothing beats on both axes, sorted by speed", () => {
  assert.deepEqual(paretoFront(points, true).map((p) => p.name), ["full", "a", "b"]);
});

Deno.test("when lower is better the front keeps the lowest values instead", () => {
  const front = paretoFront(points, false).map((p) => p.name);
  assert.deepEqual(front, ["dominated by b", "b"]);
});

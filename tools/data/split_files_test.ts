import assert from "node:assert/strict";
import { splitFiles } from "./split_files.ts";

Deno.test("split files are found in each of the Hub's layouts", () => {
  const glue = [
    "boolq/train-00000-of-00001.parquet",
    "boolq/validation-00000-of-00001.parquet",
    "copa/validation-00000-of-00001.parquet",
    "README.md",
  ];
  assert.deepEqual(splitFiles(glue, "boolq", "validation"), [
    "boolq/validation-00000-of-00001.parquet",
  ]);
  assert.deepEqual(
    splitFiles(
      ["data/validation-00001-of-00002.parquet", "data/validation-00000-of-00002.parquet"],
      undefined,
      "validation",
    ),
    ["data/validation-00000-of-00002.parquet", "data/validation-00001-of-00002.parquet"],
  );
  assert.deepEqual(splitFiles(["default/validation/0000.parquet"], undefined, "validation"), [
    "default/validation/0000.parquet",
  ]);
  assert.deepEqual(splitFiles(["main/partial-test/0000.parquet"], "main", "test"), [
    "main/partial-test/0000.parquet",
  ]);
  assert.deepEqual(
    splitFiles(["winogrande_xl/winogrande-validation.parquet"], "winogrande_xl", "validation"),
    [
      "winogrande_xl/winogrande-validation.parquet",
    ],
  );
  assert.deepEqual(
    splitFiles(["boolq-validation.parquet", "copa-validation.parquet"], "boolq", "validation"),
    ["boolq-validation.parquet"],
  );
  assert.deepEqual(splitFiles(glue, "cb", "validation"), []);
});

// Loads every schema of spec/schemas into ajv (draft 2020-12, ajv-formats) by its `$id`, as an app team
// would, then judges instances. Input (stdin): {"schemas": {name: schema}, "cases": [{"schema": name,
// "instance": value}]}. Output (stdout): [{"valid": bool, "errors": [{"path", "keyword"}]}] per case.
// The custom formats (oioi-date-time, oioi-money, iso4217) are the project's validator's to enforce;
// ajv, like any generic tool, enforces the `pattern` beside each.
"use strict";
const Ajv2020 = require("ajv/dist/2020").default;
const addFormats = require("ajv-formats").default;

const input = JSON.parse(require("fs").readFileSync(0, "utf-8"));
const ajv = new Ajv2020({ strict: true, allErrors: true });
addFormats(ajv);
for (const name of ["oioi-date-time", "oioi-money", "iso4217"]) ajv.addFormat(name, true);
for (const schema of Object.values(input.schemas)) ajv.addSchema(schema);
const compiled = Object.fromEntries(
  Object.entries(input.schemas).map(([name, schema]) => [name, ajv.getSchema(schema.$id)]),
);
for (const [name, validate] of Object.entries(compiled)) {
  if (typeof validate !== "function") throw new Error(`schema ${name} did not compile`);
}
const results = input.cases.map(({ schema, instance }) => {
  const validate = compiled[schema];
  const valid = validate(instance);
  const errors = (validate.errors || []).map((e) => ({ path: e.instancePath, keyword: e.keyword }));
  return { valid, errors };
});
process.stdout.write(JSON.stringify(results));

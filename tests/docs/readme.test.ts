// The README's field table is generated from the module; it must never drift from it.
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";

const root = resolve(__dirname, "../..");

describe("README", () => {
  it("lists exactly the fields the module declares and the config keys the library accepts", () => {
    const r = spawnSync(process.execPath, [resolve(root, "scripts/readme-tables.mjs"), "--check"], { cwd: root, encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  });
});

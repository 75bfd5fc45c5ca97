// The Dockerfile that adds the plugin to the official Falco image names the archives
// `npm run package` makes, for this version (it is built and run by tests/falco/no-node.test.ts).
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";

const root = resolve(__dirname, "../..");
const dockerfile = readFileSync(resolve(root, "Dockerfile"), "utf8");
const version = (JSON.parse(readFileSync(resolve(root, "package.json"), "utf8")) as { version: string }).version;

describe("Dockerfile", () => {
  it("defaults to this version's archives, unpacked where falcoctl puts them", () => {
    expect(/^ARG VERSION=(\S+)$/m.exec(dockerfile)?.[1]).toBe(version);
    expect(dockerfile).toMatch(/^ADD build\/release\/docker-\$\{VERSION\}-linux-x86_64\.tar\.gz \/usr\/share\/falco\/plugins\/$/m);
    expect(dockerfile).toMatch(/^ADD build\/release\/docker-rules-\$\{VERSION\}\.tar\.gz \/etc\/falco\/$/m);
    expect(readFileSync(resolve(root, ".dockerignore"), "utf8")).toContain("!build/release/*.tar.gz");
  });
});

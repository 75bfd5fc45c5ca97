// Loading dockerode lean (the collector's RSS target is 100 MiB, and every MiB of old generation
// lengthens the full GC pauses behind the latency tail): dockerode loads @grpc/grpc-js and
// @grpc/proto-loader (with protobufjs) for BuildKit sessions, and docker-modem loads ssh2 for
// ssh:// daemons, about 5 MiB of heap and 10 MiB of RSS the collector never uses (it builds no
// images and refuses ssh:// endpoints). Those three modules are registered as empty modules
// before dockerode is required: both only read them inside functions the collector never calls.
// Where they cannot be resolved (the self-contained bundle) dockerode is loaded as it is.
import Module from "node:module";
import * as path from "node:path";
import type DockerType from "dockerode";

function registerEmpty(name: string, from: string): void {
  let file: string;
  try {
    file = require.resolve(name, { paths: [from] });
  } catch {
    return;
  }
  if (require.cache[file] !== undefined) return;
  const m = new Module(file);
  m.filename = file;
  m.loaded = true;
  m.exports = {};
  require.cache[file] = m;
}

function load(): typeof DockerType {
  try {
    const lib = path.dirname(require.resolve("dockerode"));
    registerEmpty("@grpc/grpc-js", lib);
    registerEmpty("@grpc/proto-loader", lib);
    const modem = path.dirname(require.resolve("docker-modem", { paths: [lib] }));
    registerEmpty("ssh2", modem);
  } catch {
    /* not resolvable here (bundled): load dockerode with everything */
  }
  return require("dockerode") as typeof DockerType;
}

/** The dockerode class, without its BuildKit-session and ssh dependencies. */
export const Docker = load();
export type Docker = DockerType;

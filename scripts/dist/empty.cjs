// Stand-in, inside the collector bundle, for modules dockerode, docker-modem and debug load but
// the collector never runs: BuildKit sessions (@grpc/*, protobufjs), image build contexts
// (tar-fs, @balena/dockerignore), ssh:// daemons (ssh2), colour probing (supports-color). See
// collector/src/dockerode.ts and scripts/dist-collector.mjs.
module.exports = {};

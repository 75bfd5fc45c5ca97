// Stand-in, inside the self-contained collector bundle, for modules dockerode and docker-modem
// only use for BuildKit sessions (@grpc/*) and ssh:// daemons (ssh2), which the collector never
// uses (see collector/src/dockerode.ts): they stay out of the bundle and out of its memory.
module.exports = {};

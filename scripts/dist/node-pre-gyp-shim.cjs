// Stand-in for @mapbox/node-pre-gyp inside the plain collector bundle: the mmap addon ships as
// docker-collector-mmap.node beside docker-collector.js, so `find` only has to point there.
const path = require("node:path");
exports.find = () => path.join(__dirname, "docker-collector-mmap.node");

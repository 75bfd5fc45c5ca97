// Stand-in for @mapbox/node-pre-gyp inside the self-contained collector bundle: the mmap
// addon is shipped as mmap_io.node next to the bundle, so `find` only has to point there.
const path = require("node:path");
exports.find = () => path.join(__dirname, "mmap_io.node");

// asc transform for this module: json-as's own transform (json-as 1.6.0), plus one repair.
//
// json-as 1.6.0's afterParse marks every source whose internal path is "assembly/index" as a
// library file (meant for json-as's own test layout). That is exactly this project's entry
// (assembly/index.ts), and a library file has no module exports: the build would succeed and
// silently emit a module exporting only `memory` (upstream JairusSW/json-as issue #216).
// This wrapper remembers which parsed sources were user entries before json-as runs and
// gives them their kind back afterwards; everything else is json-as's transform unchanged.
//
// asconfig.json names this file "json-as/../../assembly/transform/json-as.mjs": asc 0.28
// resolves a transform path of the config with Node's module resolution and drops the
// leading "./" of a nested relative path, so the path goes through the json-as package
// directory to stay resolvable from the project root whatever the checkout is called.
// asconfig.json also sets JSON_CACHE_SIZE=128: json-as 1.6.0 allocates its string-cache
// arena (1 MiB by default) at module start even with the cache disabled, which made every
// instance start at 22 pages instead of 4 and then double to 44 on the first event.
import JsonAsTransform from "json-as/transform/lib/index.js";

const USER_ENTRY = 1; // assemblyscript SourceKind.UserEntry

export default class JsonAsEntryPreservingTransform extends JsonAsTransform {
  afterParse(parser) {
    const entries = parser.sources.filter((s) => s.sourceKind === USER_ENTRY);
    const result = super.afterParse(parser);
    for (const s of entries) s.sourceKind = USER_ENTRY;
    return result;
  }
}

# Fails the cwasm step with a clear message when the extractor has not been built.
if(NOT EXISTS "${WASM}")
  message(FATAL_ERROR "${WASM} is missing: build the extractor first with `npm run build:wasm` "
                      "(npm run build does wasm, host and collector in order)")
endif()

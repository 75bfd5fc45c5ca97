// AssemblyScript's abort, selected by asconfig.json (`use abort=assembly/abort/dkr_abort`):
// an assertion in the guest traps, so the module imports nothing from the host.
export function dkr_abort(message: string | null, fileName: string | null, line: u32, column: u32): void {
  unreachable();
}

import UnrollCLI

// `unroll` with Unroll's own modules. A team with plugins builds its own app the same way:
// UnrollCLI.run(plugins: [AcmeLayers.self])
UnrollCLI.run(plugins: [])

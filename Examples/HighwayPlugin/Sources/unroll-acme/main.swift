import AcmeLayers
import UnrollCLI

// Unroll's command line with the Acme plugins registered.
UnrollCLI.run(plugins: [AcmeLayers.self])

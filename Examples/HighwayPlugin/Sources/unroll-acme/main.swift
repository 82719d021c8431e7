import UnrollCLI
import AcmeLayers

// Unroll's command line with the Acme plugins registered.
UnrollCLI.run(plugins: [AcmeLayers.self])

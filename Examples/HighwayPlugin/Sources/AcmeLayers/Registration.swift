import Layers
import PluginRegistry

/// Registers the plugin's layer, cleaning step, metric, task and callback; an app lists this module:
/// `UnrollCLI.run(plugins: [AcmeLayers.self])`.
public enum AcmeLayers: PluginModule {
    public static func register(in registry: inout Registry) throws {
        try registry.register(LayersPlugins.layer(Highway.self, "Highway layer: y = t ⊙ f(xW + b) + (1 − t) ⊙ x"))
        try registry.register(EmojiWords.entry)
        try registry.register(WithinHalf.entry)
        try registry.register(TextScore.entry)
        try registry.register(StopAtTarget.entry)
    }
}

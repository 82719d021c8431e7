import Datasets
import Layers
import Optimizers
import PluginRegistry
import TextPipeline
import Training

/// Unroll's own plugin modules, in registration order.
public enum Builtins {
    public static let modules: [any PluginModule.Type] = [
        LayersPlugins.self, OptimizersPlugins.self, TrainingPlugins.self, TextPipelinePlugins.self,
        DatasetsPlugins.self, TasksPlugins.self,
    ]

    /// A registry with Unroll's modules and then `plugins`.
    public static func registry(plugins: [any PluginModule.Type] = []) throws -> Registry {
        try Registry(modules: modules + plugins)
    }
}

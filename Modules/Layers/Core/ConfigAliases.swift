import PluginRegistry

/// A layer's configuration (the registry's `PluginConfig`).
public typealias LayerConfig = PluginConfig
/// Config coding (the registry's `ConfigCoding`).
public typealias LayerConfigCoding = ConfigCoding

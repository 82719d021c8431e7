import PluginRegistry

/// Registers the optimizers and learning-rate schedules.
public enum OptimizersPlugins: PluginModule {
    public static func register(in r: inout Registry) throws {
        try r.register(.configured(.optimizer, SGD.typeName, summary: "stochastic gradient descent, momentum, Nesterov", config: SGDConfig.self) { c, _ in
            SGD(learningRate: c.learningRate, momentum: c.momentum, nesterov: c.nesterov, weightDecay: c.weightDecay) as any Optimizer })
        try r.register(.configured(.optimizer, Adam.typeName, summary: "Adam / AMSGrad / AdamW", config: AdamConfig.self) { c, _ in
            Adam(learningRate: c.learningRate, beta1: c.beta1, beta2: c.beta2, epsilon: c.epsilon, amsgrad: c.amsgrad, weightDecay: c.weightDecay) as any Optimizer })
        try r.register(.configured(.optimizer, RMSProp.typeName, summary: "RMSProp", config: RMSPropConfig.self) { c, _ in
            RMSProp(learningRate: c.learningRate, rho: c.rho, epsilon: c.epsilon, weightDecay: c.weightDecay) as any Optimizer })
        try r.register(.configured(.optimizer, Adagrad.typeName, summary: "Adagrad", config: AdagradConfig.self) { c, _ in
            Adagrad(learningRate: c.learningRate, initialAccumulator: c.initialAccumulator, epsilon: c.epsilon, weightDecay: c.weightDecay) as any Optimizer })

        try r.register(.configured(.schedule, "constant", summary: "the optimizer's rate", config: WarmupOnly.self) { c, _ in
            ScheduleTemplate(kind: .constant, warmupSteps: c.warmupSteps) })
        try r.register(.configured(.schedule, "step_decay", summary: "lr·factor^⌊step/every⌋", config: StepDecayConfig.self) { c, _ in
            ScheduleTemplate(kind: .stepDecay(factor: c.factor, every: c.every), warmupSteps: c.warmupSteps) })
        try r.register(.configured(.schedule, "exponential", summary: "lr·rate^(step/steps)", config: ExponentialConfig.self) { c, _ in
            ScheduleTemplate(kind: .exponential(rate: c.rate, steps: c.steps), warmupSteps: c.warmupSteps) })
        try r.register(.configured(.schedule, "cosine", summary: "cosine decay to min_fraction·lr over steps", config: CosineConfig.self) { c, _ in
            ScheduleTemplate(kind: .cosine(steps: c.steps, minFraction: c.minFraction), warmupSteps: c.warmupSteps) })
    }
}

/// A schedule waiting for its initial rate (the optimizer's `learning_rate`).
public struct ScheduleTemplate: Equatable, Sendable {
    public var kind: LearningRateSchedule.Kind
    public var warmupSteps: Int
    public func schedule(initial: Float) -> LearningRateSchedule { LearningRateSchedule(initial: initial, kind: kind, warmupSteps: warmupSteps) }
}

public struct SGDConfig: PluginConfig {
    public var learningRate: Float = 0.01, momentum: Float = 0, nesterov = false, weightDecay: Float = 0
    public init() {}
}
public struct AdamConfig: PluginConfig {
    public var learningRate: Float = 0.001, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-7, amsgrad = false, weightDecay: Float = 0
    public init() {}
}
public struct RMSPropConfig: PluginConfig {
    public var learningRate: Float = 0.001, rho: Float = 0.9, epsilon: Float = 1e-7, weightDecay: Float = 0
    public init() {}
}
public struct AdagradConfig: PluginConfig {
    public var learningRate: Float = 0.001, initialAccumulator: Float = 0.1, epsilon: Float = 1e-7, weightDecay: Float = 0
    public init() {}
}
public struct WarmupOnly: PluginConfig { public var warmupSteps = 0; public init() {} }
public struct StepDecayConfig: PluginConfig { public var factor: Float = 0.5, every = 1000, warmupSteps = 0; public init() {} }
public struct ExponentialConfig: PluginConfig { public var rate: Float = 0.96, steps = 1000, warmupSteps = 0; public init() {} }
public struct CosineConfig: PluginConfig { public var steps = 1000, minFraction: Float = 0, warmupSteps = 0; public init() {} }

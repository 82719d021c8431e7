import PluginRegistry

/// Registers the optimizers and learning-rate schedules.
public enum OptimizersPlugins: PluginModule {
    public static func register(in r: inout Registry) throws {
        try r.register(
            .configured(
                .optimizer, SGD.typeName, summary: "stochastic gradient descent, momentum, Nesterov",
                config: SGDConfig.self
            ) { c, _ in
                try c.check()
                return SGD(
                    learningRate: c.learningRate, momentum: c.momentum, nesterov: c.nesterov, weightDecay: c.weightDecay
                ) as any Optimizer
            })
        try r.register(
            .configured(
                .optimizer, Adam.typeName,
                summary: "Adam (amsgrad: true for AMSGrad; weight_decay for decoupled, AdamW-style decay)",
                config: AdamConfig.self
            ) { c, _ in
                try c.check()
                return Adam(
                    learningRate: c.learningRate, beta1: c.beta1, beta2: c.beta2, epsilon: c.epsilon,
                    amsgrad: c.amsgrad, weightDecay: c.weightDecay) as any Optimizer
            })
        try r.register(
            .configured(.optimizer, RMSProp.typeName, summary: "RMSProp", config: RMSPropConfig.self) { c, _ in
                try c.check()
                return RMSProp(learningRate: c.learningRate, rho: c.rho, epsilon: c.epsilon, weightDecay: c.weightDecay)
                    as any Optimizer
            })
        try r.register(
            .configured(.optimizer, Adagrad.typeName, summary: "Adagrad", config: AdagradConfig.self) { c, _ in
                try c.check()
                return Adagrad(
                    learningRate: c.learningRate, initialAccumulator: c.initialAccumulator, epsilon: c.epsilon,
                    weightDecay: c.weightDecay) as any Optimizer
            })

        try r.register(
            .configured(.schedule, "constant", summary: "the optimizer's rate", config: WarmupOnly.self) { c, _ in
                try ConfigRange.check("warmup_steps", c.warmupSteps >= 0, "must be ≥ 0, got \(c.warmupSteps)")
                return ScheduleTemplate(kind: .constant, warmupSteps: c.warmupSteps)
            })
        try r.register(
            .configured(.schedule, "step_decay", summary: "lr·factor^⌊step/every⌋", config: StepDecayConfig.self) {
                c, _ in
                try ConfigRange.check(
                    "factor", c.factor > 0 && c.factor.isFinite, "must be a positive number, got \(c.factor)")
                try ConfigRange.check("every", c.every >= 1, "must be ≥ 1, got \(c.every)")
                try ConfigRange.check("warmup_steps", c.warmupSteps >= 0, "must be ≥ 0, got \(c.warmupSteps)")
                return ScheduleTemplate(kind: .stepDecay(factor: c.factor, every: c.every), warmupSteps: c.warmupSteps)
            })
        try r.register(
            .configured(.schedule, "exponential", summary: "lr·rate^(step/steps)", config: ExponentialConfig.self) {
                c, _ in
                try ConfigRange.check("rate", c.rate > 0 && c.rate.isFinite, "must be a positive number, got \(c.rate)")
                try ConfigRange.check("steps", c.steps >= 1, "must be ≥ 1, got \(c.steps)")
                try ConfigRange.check("warmup_steps", c.warmupSteps >= 0, "must be ≥ 0, got \(c.warmupSteps)")
                return ScheduleTemplate(kind: .exponential(rate: c.rate, steps: c.steps), warmupSteps: c.warmupSteps)
            })
        try r.register(
            .configured(
                .schedule, "cosine", summary: "cosine decay to min_fraction·lr over steps", config: CosineConfig.self
            ) { c, _ in
                try ConfigRange.check("steps", c.steps >= 1, "must be ≥ 1, got \(c.steps)")
                try ConfigRange.check(
                    "min_fraction", (0...1).contains(c.minFraction), "must be in [0, 1], got \(c.minFraction)")
                try ConfigRange.check("warmup_steps", c.warmupSteps >= 0, "must be ≥ 0, got \(c.warmupSteps)")
                return ScheduleTemplate(
                    kind: .cosine(steps: c.steps, minFraction: c.minFraction), warmupSteps: c.warmupSteps)
            })
    }
}

/// A schedule waiting for its initial rate (the optimizer's `learning_rate`).
public struct ScheduleTemplate: Equatable, Sendable {
    public var kind: LearningRateSchedule.Kind
    public var warmupSteps: Int
    public func schedule(initial: Float) -> LearningRateSchedule {
        LearningRateSchedule(initial: initial, kind: kind, warmupSteps: warmupSteps)
    }
}

public struct SGDConfig: PluginConfig {
    public var learningRate: Float = 0.01, momentum: Float = 0, nesterov = false, weightDecay: Float = 0
    public init() {}
}
public struct AdamConfig: PluginConfig {
    public var learningRate: Float = 0.001, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-7,
        amsgrad = false, weightDecay: Float = 0
    public init() {}
}
public struct RMSPropConfig: PluginConfig {
    public var learningRate: Float = 0.001, rho: Float = 0.9, epsilon: Float = 1e-7, weightDecay: Float = 0
    public init() {}
}
public struct AdagradConfig: PluginConfig {
    public var learningRate: Float = 0.001, initialAccumulator: Float = 0.1, epsilon: Float = 1e-7,
        weightDecay: Float = 0
    public init() {}
}
public struct WarmupOnly: PluginConfig {
    public var warmupSteps = 0
    public init() {}
}
public struct StepDecayConfig: PluginConfig {
    public var factor: Float = 0.5, every = 1000, warmupSteps = 0
    public init() {}
}
public struct ExponentialConfig: PluginConfig {
    public var rate: Float = 0.96, steps = 1000, warmupSteps = 0
    public init() {}
}
public struct CosineConfig: PluginConfig {
    public var steps = 1000, minFraction: Float = 0, warmupSteps = 0
    public init() {}
}

/// Range checks for optimizer and schedule configs: a value that would make training produce NaN
/// (`epsilon: 0`, `beta1: 1`, a negative rate) is refused at its field when the spec is validated.
enum ConfigRange {
    static func check(_ field: String, _ ok: Bool, _ message: @autoclosure () -> String) throws {
        if !ok { throw ConfigError.invalidValue(field: field, message: message()) }
    }
    static func rate(_ v: Float, _ field: String = "learning_rate") throws {
        try check(field, v >= 0 && v.isFinite, "must be a finite number ≥ 0, got \(v)")
    }
    static func fraction(_ v: Float, _ field: String, why: String = "") throws {
        try check(field, v >= 0 && v < 1, "must be in [0, 1)\(why), got \(v)")
    }
    static func epsilon(_ v: Float) throws {
        try check("epsilon", v > 0 && v.isFinite, "must be a positive number (0 divides by zero), got \(v)")
    }
}

extension SGDConfig {
    func check() throws {
        try ConfigRange.rate(learningRate)
        try ConfigRange.rate(weightDecay, "weight_decay")
        try ConfigRange.fraction(momentum, "momentum")
    }
}
extension AdamConfig {
    func check() throws {
        try ConfigRange.rate(learningRate)
        try ConfigRange.rate(weightDecay, "weight_decay")
        try ConfigRange.fraction(beta1, "beta1", why: " (at 1 the bias correction divides by zero)")
        try ConfigRange.fraction(beta2, "beta2", why: " (at 1 the bias correction divides by zero)")
        try ConfigRange.epsilon(epsilon)
    }
}
extension RMSPropConfig {
    func check() throws {
        try ConfigRange.rate(learningRate)
        try ConfigRange.rate(weightDecay, "weight_decay")
        try ConfigRange.fraction(rho, "rho")
        try ConfigRange.epsilon(epsilon)
    }
}
extension AdagradConfig {
    func check() throws {
        try ConfigRange.rate(learningRate)
        try ConfigRange.rate(weightDecay, "weight_decay")
        try ConfigRange.epsilon(epsilon)
        try ConfigRange.check(
            "initial_accumulator", initialAccumulator >= 0 && initialAccumulator.isFinite,
            "must be a finite number ≥ 0, got \(initialAccumulator)")
    }
}

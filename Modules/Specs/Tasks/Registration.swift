import PluginRegistry

/// Registers the built-in tasks.
public enum TasksPlugins: PluginModule {
    public static func register(in r: inout Registry) throws {
        func add<T: LearningTask & PluginConfig>(_ name: String, _ type: T.Type, _ summary: String) throws {
            try r.register(
                .configured(.task, name, summary: summary, config: T.self) { c, _ in
                    try c.checkFields()
                    return c as any LearningTask
                })
        }
        try add("text_classification", TextClassificationTask.self, "labelled texts → a class per text")
        try add("sequence_tagging", SequenceTaggingTask.self, "token/tag sentences → a tag per token")
        try add("character_model", CharacterModelTask.self, "a plain text → the next character at every step")
        try add("numeric_classification", NumericClassificationTask.self, "rows of features → a class per row")
        try add("regression", RegressionTask.self, "rows of features → a real value per row (mse)")
        try add("forecasting", ForecastingTask.self, "a numeric series → its next steps (direct multi-output)")
        try add(
            "sequence_to_sequence", SequenceToSequenceTask.self,
            "source/target pairs → the target, decoded step by step (encoder–decoder)")
    }
}

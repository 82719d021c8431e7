/// How a layer's output along the time axis depends on its input — what running a model one
/// step at a time (incremental decoding: `ModelStepper`) needs to know.
///
/// A model that is fed a growing sequence (a decoder's tokens so far) can run each new step
/// alone when every layer that reads the sequence is `pointwise` or `recurrent`: then step t of
/// its output needs only step t of its input (and, for a recurrent layer, the state after step
/// t − 1). A layer that needs the whole sequence — pooling, a bidirectional or backwards
/// recurrent layer — is `whole`, the default, and a model with one re-runs the whole prefix.
///
/// ```swift
/// extension MyScale { public var stepping: Stepping { .pointwise() } }   // output_t = f(input_t)
/// ```
public enum Stepping: Equatable, Sendable {
    /// Output step t needs every step of the input (the default).
    case whole
    /// Output step t reads step t of its sequence inputs only. A layer with several inputs may
    /// take some of them whole: `stepped` lists the inputs that may be fed one step at a time
    /// (nil: all of them). `Attention` steps its queries and reads its values whole.
    case pointwise(stepped: [Int]? = nil)
    /// Output step t reads input step t and the layer's states after step t − 1, which it takes
    /// as initial states (`ProducesStates`) and returns as its final states.
    case recurrent
}

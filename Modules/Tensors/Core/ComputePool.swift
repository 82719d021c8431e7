import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Unroll's own worker threads: one job at a time, split into a fixed number of parts, part `p`
/// always run by thread `p` (the caller runs part 0).
///
/// Why not OpenBLAS's threads: a recurrent layer makes one small GEMM per time step, and
/// OpenBLAS wakes and joins its threads around every one of them (a quarter of the training time
/// went to its threads yielding). With this pool a recurrent layer splits the *batch* once
/// (rows of a recurrent layer never interact) and each thread runs the whole time loop on its rows
/// with single-threaded BLAS; large GEMMs are split by rows or columns (`BLAS.sgemm`).
///
/// Determinism: the split depends only on the sizes and `threadCount`, every part writes its own
/// outputs, so the same thread count gives bit-identical results, however the threads are scheduled.
/// Nested or concurrent use (a part that calls `run`, or two user threads at once) runs the parts
/// one after another on the calling thread — same results, no deadlock.
///
/// Idle workers spin for a few microseconds (the next job of a training step usually follows
/// within that time), then sleep on a condition variable.
///
/// ```swift
/// ComputePool.shared.run(parts: 2) { p in work(onHalf: p) }
/// ```
public final class ComputePool: @unchecked Sendable {
    /// The process-wide pool; its size is `BLAS.threadCount`.
    public static let shared = ComputePool()

    /// Number of threads (the caller included) a job is split over; at least 1.
    public var threadCount: Int {
        get { count.load(ordering: .relaxed) }
        set { count.store(max(1, newValue), ordering: .relaxed) }
    }

    private let count = Atomic<Int>(1)
    private let busy = Atomic<Bool>(false)
    private let generation = Atomic<Int>(0)
    private let pending = Atomic<Int>(0)
    private var job: ((Int) -> Void)?
    private var jobParts = 0
    private var workers = 0
    private var sleepers = 0
    private var mutex = pthread_mutex_t()
    private var wake = pthread_cond_t()

    init() {
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&wake, nil)
    }

    /// Runs `body(p)` for `p` in `0..<parts`, in parallel when `parts > 1` and the pool is free;
    /// returns when all parts are done. Callers pass `min(threadCount, …)` (more parts than
    /// threads start more threads).
    public func run(parts: Int, _ body: (Int) -> Void) {
        if parts <= 1 {
            if parts == 1 { body(0) }
            return
        }
        guard busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            for p in 0..<parts { body(p) }
            return
        }
        defer { busy.store(false, ordering: .releasing) }
        ensureWorkers(parts - 1)
        withoutActuallyEscaping(body) { escaping in
            job = escaping
            jobParts = parts
            pending.store(workers, ordering: .relaxed)  // every worker acknowledges every job
            generation.add(1, ordering: .releasing)
            pthread_mutex_lock(&mutex)
            if sleepers > 0 { pthread_cond_broadcast(&wake) }
            pthread_mutex_unlock(&mutex)
            escaping(0)
            var spins = 0
            while pending.load(ordering: .acquiring) > 0 {
                spins += 1
                if spins > 2_000 { sched_yield() }
            }
            job = nil
        }
    }

    /// Runs independent jobs at the same time, job `i` on thread `i % min(threadCount, jobs.count)`,
    /// and returns when all are done; with `parallel: false` (or one thread) they run in order on
    /// the caller.
    ///
    /// For the backward of a product, whose input gradients are separate GEMMs: each job runs
    /// whole on one core (its own `BLAS.sgemm` split runs its parts one after another, since
    /// the pool is busy), so the results are the same bits as running the jobs in order. The
    /// first error thrown, in job order, is rethrown after all jobs have finished. Jobs see the
    /// caller's `GradMode` (a task-local value, which the pool's threads would not inherit).
    ///
    /// ```swift
    /// try ComputePool.shared.concurrently([{ dx = try f() }, { dw = try g() }], parallel: big)
    /// ```
    public func concurrently(_ jobs: [() throws -> Void], parallel: Bool = true) throws {
        let parts = parallel ? min(threadCount, jobs.count) : 1
        let recording = GradMode.isEnabled
        var errors = [Error?](repeating: nil, count: jobs.count)
        errors.withUnsafeMutableBufferPointer { failed in
            run(parts: parts) { p in
                for i in stride(from: p, to: jobs.count, by: parts) {
                    do { if recording { try jobs[i]() } else { try withNoGrad(jobs[i]) } } catch { failed[i] = error }
                }
            }
        }
        if let first = errors.lazy.compactMap({ $0 }).first { throw first }
    }

    private func ensureWorkers(_ needed: Int) {
        while workers < needed {
            workers += 1
            let index = workers
            let start = generation.load(ordering: .acquiring)
            var thread = pthread_t()
            let box = Unmanaged.passRetained(WorkerStart(pool: self, index: index, seen: start))
            let rc = pthread_create(
                &thread, nil,
                { raw in
                    let start = Unmanaged<WorkerStart>.fromOpaque(raw!).takeRetainedValue()
                    start.pool.workerLoop(index: start.index, seen: start.seen)
                }, box.toOpaque())
            if rc != 0 {
                box.release()
                workers -= 1
                return
            }
            pthread_detach(thread)
        }
    }

    private func workerLoop(index: Int, seen start: Int) -> Never {
        var seen = start
        while true {
            var spins = 0
            while generation.load(ordering: .acquiring) == seen {
                spins += 1
                if spins < 20_000 { continue }
                pthread_mutex_lock(&mutex)
                sleepers += 1
                while generation.load(ordering: .acquiring) == seen { pthread_cond_wait(&wake, &mutex) }
                sleepers -= 1
                pthread_mutex_unlock(&mutex)
            }
            seen = generation.load(ordering: .acquiring)
            if index < jobParts { runPart(index) }
            pending.subtract(1, ordering: .releasing)
        }
    }

    /// Separate so the worker's reference to the job is gone before it acknowledges (the caller
    /// then checks that the non-escaping closure did not escape).
    @inline(never)
    private func runPart(_ index: Int) { job?(index) }

    private final class WorkerStart {
        let pool: ComputePool, index: Int, seen: Int
        init(pool: ComputePool, index: Int, seen: Int) { (self.pool, self.index, self.seen) = (pool, index, seen) }
    }

    /// The half-open range of part `p` when `total` items are split into `parts` nearly equal,
    /// contiguous parts (the first `total % parts` parts get one more).
    @inlinable
    public static func range(part p: Int, of parts: Int, total: Int) -> Range<Int> {
        let base = total / parts
        let extra = total % parts
        let lo = p * base + min(p, extra)
        return lo..<(lo + base + (p < extra ? 1 : 0))
    }

    /// Like `range(part:of:total:)`, but every boundary but the last is a multiple of `block`
    /// (16 floats: one AVX-512 register), so each part's SIMD blocks line up alike.
    @inlinable
    public static func range(part p: Int, of parts: Int, total: Int, block: Int) -> Range<Int> {
        let r = range(part: p, of: parts, total: (total + block - 1) / block)
        return (r.lowerBound * block)..<min(total, r.upperBound * block)
    }
}

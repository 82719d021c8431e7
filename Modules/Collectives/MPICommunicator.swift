#if UNROLL_MPI
    import CMPI
    import Foundation

    /// MPI's world communicator (Open MPI): `MPI_Allreduce`, `MPI_Bcast`, `MPI_Barrier`, `MPI_Abort`.
    ///
    /// Initialised with `MPI_THREAD_FUNNELED` (only the main thread calls MPI; Unroll's compute
    /// threads never do) and `MPI_ERRORS_RETURN`, so a failed call becomes a Swift error with MPI's
    /// own message, which the command line prints before `abort` ends the job.
    final class MPICommunicator: Communicator {
        let rank: Int
        let size: Int
        let localSize: Int
        private let comm = unroll_mpi_comm_world()
        private var finished = false

        init() throws {
            var provided: Int32 = 0
            var flag: Int32 = 0
            MPI_Initialized(&flag)
            if flag == 0 {
                try MPICommunicator.check(
                    MPI_Init_thread(nil, nil, unroll_mpi_thread_funneled(), &provided), "MPI_Init_thread")
            }
            MPI_Comm_set_errhandler(comm, unroll_mpi_errors_return())
            var r: Int32 = 0
            var s: Int32 = 0
            try MPICommunicator.check(MPI_Comm_rank(comm, &r), "MPI_Comm_rank")
            try MPICommunicator.check(MPI_Comm_size(comm, &s), "MPI_Comm_size")
            rank = Int(r)
            size = Int(s)
            let env = ProcessInfo.processInfo.environment
            localSize =
                (env["OMPI_COMM_WORLD_LOCAL_SIZE"] ?? env["MPI_LOCALNRANKS"] ?? env["SLURM_NTASKS_PER_NODE"])
                .flatMap { Int($0) } ?? size
        }

        static func check(_ code: Int32, _ call: String) throws {
            guard code != unroll_mpi_success() else { return }
            var buffer = [CChar](repeating: 0, count: Int(unroll_mpi_max_error_string()) + 1)
            var length: Int32 = 0
            MPI_Error_string(code, &buffer, &length)
            throw CollectivesError.failed("\(call) failed: \(String(cString: buffer)) (MPI error \(code))")
        }

        /// MPI counts are 32-bit: larger buffers go in pieces.
        private func pieces<T>(
            _ values: UnsafeMutableBufferPointer<T>, _ body: (UnsafeMutablePointer<T>, Int32) throws -> Void
        )
            rethrows
        {
            guard let base = values.baseAddress else { return }
            var start = 0
            while start < values.count {
                let n = min(values.count - start, Int(Int32.max))
                try body(base + start, Int32(n))
                start += n
            }
        }

        func sum(_ values: UnsafeMutableBufferPointer<Float>) throws {
            try pieces(values) { p, n in
                try MPICommunicator.check(
                    MPI_Allreduce(unroll_mpi_in_place(), p, n, unroll_mpi_float(), unroll_mpi_sum(), comm),
                    "MPI_Allreduce")
            }
        }

        func sum(_ values: UnsafeMutableBufferPointer<Double>) throws {
            try pieces(values) { p, n in
                try MPICommunicator.check(
                    MPI_Allreduce(unroll_mpi_in_place(), p, n, unroll_mpi_double(), unroll_mpi_sum(), comm),
                    "MPI_Allreduce")
            }
        }

        func maximum(_ values: UnsafeMutableBufferPointer<Double>) throws {
            try pieces(values) { p, n in
                try MPICommunicator.check(
                    MPI_Allreduce(unroll_mpi_in_place(), p, n, unroll_mpi_double(), unroll_mpi_max(), comm),
                    "MPI_Allreduce")
            }
        }

        func broadcast(_ values: UnsafeMutableBufferPointer<Float>, from root: Int) throws {
            try pieces(values) { p, n in
                try MPICommunicator.check(MPI_Bcast(p, n, unroll_mpi_float(), Int32(root), comm), "MPI_Bcast")
            }
        }

        func barrier() throws { try MPICommunicator.check(MPI_Barrier(comm), "MPI_Barrier") }

        func abort(code: Int32) -> Never {
            fflush(stdout)
            fflush(stderr)
            MPI_Abort(comm, code)
            exit(code)
        }

        func finish() {
            guard !finished else { return }
            finished = true
            MPI_Finalize()
        }
    }
#endif

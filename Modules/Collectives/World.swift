import Foundation

/// Finding the job this process belongs to.
public enum Collectives {
    /// Whether this build can talk MPI (built with Open MPI's headers; see `docs/distributed.md`).
    public static var builtWithMPI: Bool {
        #if UNROLL_MPI
            return true
        #else
            return false
        #endif
    }

    /// The launcher's word on how many processes the job has, from the variables `mpirun`
    /// (`OMPI_COMM_WORLD_SIZE`), PMI (`PMI_SIZE`) or Slurm's `srun` (`SLURM_NTASKS` with `PMIX_RANK`
    /// or `PMI_RANK`) set; nil when the process was started on its own.
    public static func launchedSize(environment: [String: String] = ProcessInfo.processInfo.environment) -> (
        size: Int, variable: String
    )? {
        for name in ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE"] {
            if let v = environment[name], let n = Int(v) { return (n, name) }
        }
        if environment["PMIX_RANK"] != nil || environment["PMI_RANK"] != nil,
            let v = environment["SLURM_NTASKS"], let n = Int(v)
        {
            return (n, "SLURM_NTASKS")
        }
        return nil
    }

    private static var shared: (any Communicator)?

    /// The job's communicator: MPI's world when the process was started by a launcher (and the build
    /// has MPI), else `SingleProcess`. Made once; later calls return the same one.
    ///
    /// A launcher's job of more than one process in a build without MPI is an error: the ranks would
    /// each train alone and write the same files.
    public static func world() throws -> any Communicator {
        if let shared { return shared }
        let made: any Communicator
        if let launched = launchedSize() {
            #if UNROLL_MPI
                made = try MPICommunicator()
            #else
                guard launched.size <= 1 else {
                    throw CollectivesError.failed(
                        "started by an MPI launcher as one of \(launched.size) processes (\(launched.variable)), but this unroll was built without MPI; install Open MPI's headers (apt-get install libopenmpi-dev pkgconf) and rebuild, or build with UNROLL_MPI=1 (docs/distributed.md)"
                    )
                }
                made = SingleProcess()
            #endif
        } else {
            made = SingleProcess()
        }
        shared = made
        return made
    }
}

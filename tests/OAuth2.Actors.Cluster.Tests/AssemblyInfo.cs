// Each test class starts a cluster of three server processes: one cluster at a time, or two of them would compete for
// the machine and measure each other.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

// The outage test stops and starts the one real broker every test here may use: one test at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

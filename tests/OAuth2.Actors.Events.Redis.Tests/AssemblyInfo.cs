// The outage tests stop and start the one Redis every test here shares: one test at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

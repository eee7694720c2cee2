// The outage test stops and starts the one RabbitMQ node every test here shares: one test at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

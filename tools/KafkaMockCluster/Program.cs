using System.Runtime.InteropServices;
using OAuth2.Actors.Tools.KafkaMockCluster;

// Usage: KafkaMockCluster [--file PATH] [--brokers N]
// Starts librdkafka's mock cluster, prints its bootstrap address (and writes it to PATH when given, atomically),
// then runs until SIGTERM or Ctrl-C.
string? file = null;
var brokers = 1;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--file" when i + 1 < args.Length:
            file = args[++i];
            break;
        case "--brokers" when i + 1 < args.Length && int.TryParse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture, out var n) && n is > 0 and < 10:
            brokers = n;
            i++;
            break;
        default:
            Console.Error.WriteLine("usage: KafkaMockCluster [--file PATH] [--brokers N]");
            return 2;
    }
}

using var stop = new CancellationTokenSource();
using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c =>
{
    c.Cancel = true;
    stop.Cancel();
});
using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c =>
{
    c.Cancel = true;
    stop.Cancel();
});

using var cluster = MockKafkaCluster.Start(brokers);
if (file is not null)
{
    var temporary = file + ".tmp";
    await File.WriteAllTextAsync(temporary, cluster.BootstrapServers + "\n");
    File.Move(temporary, file, overwrite: true);
}

Console.WriteLine(cluster.BootstrapServers);
try
{
    await Task.Delay(Timeout.Infinite, stop.Token);
}
catch (OperationCanceledException)
{
}

return 0;

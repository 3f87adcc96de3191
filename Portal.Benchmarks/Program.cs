using Portal.Benchmarks;

// Performance measurements, run by hand: dotnet run -c Release --project Portal.Benchmarks -- BENCHMARK [arguments]
// A new benchmark is one class in its own file and one line here.
var benchmarks = new Dictionary<string, (string Usage, Func<string[], Task<int>> Run)>(StringComparer.OrdinalIgnoreCase)
{
    ["reservations"] = (ReservationBenchmark.Usage, ReservationBenchmark.RunAsync),
    ["expiry"] = (ExpiryBenchmark.Usage, ExpiryBenchmark.RunAsync),
    ["console"] = (ConsoleBenchmark.Usage, ConsoleBenchmark.RunAsync),
    ["sandbox"] = (SandboxBenchmark.Usage, SandboxBenchmark.RunAsync),
    ["tunnel"] = (TunnelBenchmark.Usage, TunnelBenchmark.RunAsync),
    ["boot"] = (BootBenchmark.Usage, BootBenchmark.RunAsync),
    ["fanout"] = (FanoutBenchmark.Usage, FanoutBenchmark.RunAsync),
    ["usage"] = (UsageBenchmark.Usage, UsageBenchmark.RunAsync),
    ["fanout-pages"] = (FanoutBenchmark.PagesUsage, FanoutBenchmark.RunPagesAsync),
    ["consoles"] = (ConsolesBenchmark.Usage, ConsolesBenchmark.RunAsync),
    ["consoles-clients"] = (ConsolesBenchmark.ClientsUsage, ConsolesBenchmark.RunClientsAsync),
};

if (args.Length == 0 || !benchmarks.TryGetValue(args[0], out var benchmark))
{
    Console.Error.WriteLine("usage: dotnet run -c Release --project Portal.Benchmarks -- BENCHMARK [arguments], where BENCHMARK is one of");
    foreach (var (usage, _) in benchmarks.Values)
    {
        Console.Error.WriteLine($"  {usage}");
    }

    return 2;
}

return await benchmark.Run(args[1..]);

namespace Portal.Lab;

/// <summary>Finds which config source (appsettings.json, an environment variable...) set a key, for error messages.</summary>
internal static class ConfigurationSourceLocator
{
    public static string SourceOf(IConfiguration configuration, string key)
    {
        if (configuration is not IConfigurationRoot root)
        {
            return "configuration";
        }

        // A missing key is reported against the source that defines its nearest parent.
        for (var path = key; path.Length > 0; path = ParentOf(path))
        {
            var provider = root.Providers.Reverse().FirstOrDefault(p => p.TryGet(path, out _) || p.GetChildKeys([], path).Any());
            if (provider is not null)
            {
                return provider is FileConfigurationProvider file
                    ? file.Source.Path ?? "configuration file"
                    : provider.GetType().Name.Replace("ConfigurationProvider", "", StringComparison.Ordinal) switch
                    {
                        "EnvironmentVariables" => "environment variables",
                        "CommandLine" => "command line",
                        var other => other,
                    };
            }
        }

        return "configuration";
    }

    private static string ParentOf(string path) =>
        path.LastIndexOf(ConfigurationPath.KeyDelimiter, StringComparison.Ordinal) is var at and > 0 ? path[..at] : "";
}
